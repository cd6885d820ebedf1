export {
  SimpleHTTPRequestHandler,
  type SimpleHTTPOptions,
  type ResponseBody,
  type FileCacheOptions,
} from './simple-http-request-handler.js';
export { FileBody, FileChangedError } from './internal/file-body.js';
