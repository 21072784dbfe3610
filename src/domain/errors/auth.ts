import { BerthError } from "./berth-error.js";

/**
 * Authentication and authorisation errors, with AWS's codes and texts so the SDKs raise the same classes
 * (CloudWatch's query-compatible clients read queryCode from x-amzn-query-error).
 */
const incomplete = (message: string) => new BerthError({ code: "IncompleteSignatureException", httpStatus: 400, queryCode: "IncompleteSignature", message });
const invalid = (message: string) => new BerthError({ code: "InvalidSignatureException", httpStatus: 403, queryCode: "SignatureDoesNotMatch", message });

export const authErrors = {
  agentProtocolOnly: () =>
    new BerthError({
      code: "AccessDeniedException",
      httpStatus: 403,
      queryCode: "AccessDenied",
      message: "An agent protocol request (/berth/v1/agents/…) reaches only the agent protocol; sign other requests with SigV4.",
    }),
  missingAuthentication: () =>
    new BerthError({
      code: "MissingAuthenticationTokenException",
      httpStatus: 403,
      queryCode: "MissingAuthenticationToken",
      message: "Request is missing Authentication Token. Sign it with SigV4 (an AWS SDK, or curl --aws-sigv4) using a key from 'berth keys create'.",
    }),
  unrecognizedClient: () =>
    new BerthError({
      code: "UnrecognizedClientException",
      httpStatus: 403,
      queryCode: "InvalidClientTokenId",
      message: "The security token included in the request is invalid.",
    }),
  signatureMismatch: () =>
    invalid(
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
  signatureExpired: (signed: string, earliest: string, now: string, windowMinutes: number) =>
    invalid(`Signature expired: ${signed} is now earlier than ${earliest} (${now} - ${windowMinutes} min.)`),
  signatureNotYetCurrent: (signed: string, latest: string, now: string, windowMinutes: number) =>
    invalid(`Signature not yet current: ${signed} is still later than ${latest} (${now} + ${windowMinutes} min.)`),
  presignedExpired: (expiredAt: string, now: string) => invalid(`Signature expired: ${expiredAt} is now earlier than ${now}. Presign the URL again.`),
  wrongService: (expected: string) => invalid(`Credential should be scoped to correct service: '${expected}'. `),
  scopeDateMismatch: (scopeDate: string, longDate: string) =>
    invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${longDate.slice(0, 8)}', from '${longDate}'.`,
    ),
  payloadHashMismatch: () =>
    invalid(
      "The provided 'x-amz-content-sha256' header does not match what was computed. Sign the body that is sent, or send x-amz-content-sha256: UNSIGNED-PAYLOAD.",
    ),
  chunkSignatureMismatch: (index: number) =>
    invalid(`The signature of chunk ${index} of the aws-chunked body does not match. Sign each chunk with the seed signature of the request before it.`),
  missingParameters: (names: string[]) => incomplete(names.map((name) => `Authorization header requires '${name}' parameter.`).join(" ")),
  unsupportedAlgorithm: (algorithm: string) => incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. Sign with AWS4-HMAC-SHA256 (SigV4).`),
  malformedCredential: (credential: string) =>
    incomplete(`Credential '${credential}' is malformed. It must be <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request.`),
  missingDate: () =>
    incomplete(
      "Authorization header requires existence of an 'X-Amz-Date' header (YYYYMMDD'T'HHMMSS'Z'). Sign the request with an AWS SDK or curl --aws-sigv4.",
    ),
  malformedDate: (value: string) => incomplete(`X-Amz-Date '${value}' is not a date of the form YYYYMMDD'T'HHMMSS'Z'.`),
  hostNotSigned: () => incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
  headersNotSigned: (names: string[]) =>
    incomplete(`There were headers present in the request which were not signed: ${names.join(", ")}. Every x-amz-* header must be in SignedHeaders.`),
  badExpires: (value: string) => incomplete(`X-Amz-Expires '${value}' must be a whole number of seconds from 1 to 604800 (one week).`),
  badContentSha256: (value: string) =>
    incomplete(
      `x-amz-content-sha256 '${value}' must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or the hex SHA-256 of the body.`,
    ),
  malformedChunkedBody: (detail: string) =>
    incomplete(`The aws-chunked body is malformed: ${detail}. Send chunks as <hex size>;chunk-signature=<signature>\\r\\n<data>\\r\\n.`),
  trailerChecksumMismatch: (header: string) =>
    invalid(`The ${header} trailer does not match the body that was received. Send the checksum of the body as sent.`),
  accessDenied: (userArn: string, action: string, resource: string, explicit: boolean) =>
    new BerthError({
      code: "AccessDeniedException",
      httpStatus: 403,
      queryCode: "AccessDenied",
      message: explicit
        ? `User: ${userArn} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`
        : `User: ${userArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    }),
  hostNotAllowed: (host: string, allowed: string[]) =>
    new BerthError({
      code: "HostNotAllowedException",
      httpStatus: 403,
      message: `The Host header '${host}' is not a name this server answers to (allowed: ${allowed.join(", ")}). If clients reach Berth by this name, add it to auth.allowedHosts in the config file.`,
    }),
};
