import { authErrors } from "../domain/errors/auth.js";

export interface AwsChunk {
  data: Buffer;
  /** chunk-signature=..., absent in unsigned (trailer) encodings. */
  signature?: string;
}

export interface DecodedChunks {
  chunks: AwsChunk[];
  trailers: Map<string, string>;
}

const crlf = Buffer.from("\r\n");

/**
 * Splits an aws-chunked body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` ..., a zero-size chunk,
 * then optional trailer lines). Chunk data are views into the body, not copies.
 */
export function splitAwsChunks(body: Buffer): DecodedChunks {
  const chunks: AwsChunk[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf(crlf, offset);
    if (lineEnd < 0) throw authErrors.malformedChunkedBody(`chunk header at byte ${offset} has no CRLF`);
    const header = body.toString("latin1", offset, lineEnd);
    const semicolon = header.indexOf(";");
    const sizeText = semicolon < 0 ? header : header.slice(0, semicolon);
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw authErrors.malformedChunkedBody(`chunk size '${sizeText}' is not hexadecimal`);
    const size = parseInt(sizeText, 16);
    let signature: string | undefined;
    if (semicolon >= 0) {
      const extension = header.slice(semicolon + 1);
      if (!extension.startsWith("chunk-signature=")) throw authErrors.malformedChunkedBody(`chunk extension '${extension}' is not chunk-signature`);
      signature = extension.slice("chunk-signature=".length);
    }
    const dataStart = lineEnd + 2;
    if (size === 0) {
      chunks.push({ data: body.subarray(dataStart, dataStart), signature });
      return { chunks, trailers: readTrailers(body, dataStart) };
    }
    const dataEnd = dataStart + size;
    if (dataEnd + 2 > body.length || body[dataEnd] !== 13 || body[dataEnd + 1] !== 10)
      throw authErrors.malformedChunkedBody(`chunk at byte ${offset} is shorter than its size ${size}`);
    chunks.push({ data: body.subarray(dataStart, dataEnd), signature });
    offset = dataEnd + 2;
  }
}

function readTrailers(body: Buffer, start: number): Map<string, string> {
  const trailers = new Map<string, string>();
  let offset = start;
  while (offset < body.length) {
    const lineEnd = body.indexOf(crlf, offset);
    if (lineEnd < 0) throw authErrors.malformedChunkedBody("a trailer line has no CRLF");
    if (lineEnd === offset) break;
    const line = body.toString("latin1", offset, lineEnd);
    const colon = line.indexOf(":");
    if (colon <= 0) throw authErrors.malformedChunkedBody(`trailer '${line}' has no name`);
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    offset = lineEnd + 2;
  }
  return trailers;
}
