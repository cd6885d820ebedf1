export { dial, exchange, receiveAll, refused, sendAndWaitClose, type Target } from './net.js';
export { parseResponses, type RawResponse } from './responses.js';
export { Conn } from './conn.js';
export {
  describeOverrideContract,
  documentedOverridables,
  MODES,
  overridden,
  probeAfterHook,
  SET_HEADER,
  within,
  type ContractRow,
  type HandlerClass,
  type Mode,
} from './overrides.js';
