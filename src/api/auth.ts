/**
 * Reads the caller's access key id from a SigV4 Authorization header. Signatures are not checked yet:
 * any signature is accepted and the key id is recorded for the logs.
 */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /Credential=([^/,\s]+)\//.exec(authorization);
  return match?.[1];
}
