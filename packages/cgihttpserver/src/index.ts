export {
  CGIHTTPRequestHandler,
  type CGIInfo,
  type ResolvedScript,
  type SpawnMode,
} from './cgi-http-request-handler.js';
