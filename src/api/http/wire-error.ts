import { BerthError } from "../../domain/errors/berth-error.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import { storageErrors } from "../../domain/errors/storage.js";
import { StorageFaultError } from "../../store/storage-fault.js";
import { StoreRequestTooLargeError, StoreUnavailableError } from "../../store/store.js";

/**
 * The error a client gets for whatever a handler threw. `unexpected` marks a bug worth a stack in the log;
 * a storage fault or an unreachable cluster store is expected (the store logs it) and answers a retryable 503.
 */
export function toWireError(error: unknown, requestId: string): { wire: BerthError; unexpected: boolean } {
  if (BerthError.is(error)) return { wire: error, unexpected: false };
  if (StorageFaultError.is(error)) return { wire: storageErrors.unavailable(error.kind, error.dataDir), unexpected: false };
  if (StoreUnavailableError.is(error)) return { wire: storageErrors.storeUnreachable(), unexpected: false };
  if (StoreRequestTooLargeError.is(error)) return { wire: storageErrors.storeRequestTooLarge(error.message), unexpected: false };
  return { wire: protocolErrors.internal(requestId), unexpected: true };
}
