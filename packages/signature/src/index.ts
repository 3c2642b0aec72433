export {
  crashSignature,
  fnv1a64,
  normaliseFrame,
  SIGNATURE_FRAMES,
  topFrames,
  type CrashSignature,
  type SignatureBasis,
  type SignatureInput,
  type TraceFrameLike,
  type TraceLike,
} from './signature.js';
export { topCrashers, type TopInput, type TopRow } from './top.js';
