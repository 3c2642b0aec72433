export {
  decide,
  EMPTY_STATE,
  isRateLimitOn,
  MAX_BUCKETS,
  parseState,
  rateLimitKey,
  type Bucket,
  type Decision,
  type KeyFields,
  type RateLimitSettings,
  type RateLimitState,
  type Verdict,
} from './decide.js';
export { applyRateLimit, STATE_FILE_NAME, type RateLimitOutcome } from './state-file.js';
