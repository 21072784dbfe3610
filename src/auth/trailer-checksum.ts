import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { authErrors } from "../domain/errors/auth.js";

const digests: Record<string, (body: Buffer) => string> = {
  "x-amz-checksum-crc32": (body) => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(body) >>> 0);
    return value.toString("base64");
  },
  "x-amz-checksum-sha1": (body) => createHash("sha1").update(body).digest("base64"),
  "x-amz-checksum-sha256": (body) => createHash("sha256").update(body).digest("base64"),
};

/** STREAMING-UNSIGNED-PAYLOAD-TRAILER: the trailer named by x-amz-trailer must hold the body's checksum. */
export function checkTrailerChecksum(body: Buffer, name: string, value: string | undefined): void {
  const digest = digests[name];
  if (!digest) throw authErrors.malformedChunkedBody(`trailer ${name} is not supported (use ${Object.keys(digests).join(", ")})`);
  if (value === undefined) throw authErrors.malformedChunkedBody(`x-amz-trailer names ${name} but the body has no such trailer`);
  if (digest(body) !== value) throw authErrors.trailerChecksumMismatch(name);
}
