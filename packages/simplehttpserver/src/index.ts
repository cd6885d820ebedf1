export {
  SimpleHTTPRequestHandler,
  type SimpleHTTPOptions,
  type ResponseBody,
  type FileCacheOptions,
} from './simple-http-request-handler.js';
export { FileBody, FileChangedError } from './file-body.js';
export { statQuiet } from './stat-quiet.js';
