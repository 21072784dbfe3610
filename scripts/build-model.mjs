#!/usr/bin/env node
// Builds the default model of the berth/llm image, offline and deterministically:
//   models/berth-tiny-coder.gguf                  llama architecture, deepseek-coder tokenizer, seeded random weights
//   models/adapters/berth-demo-lora/adapter.gguf  a LoRA adapter for it that visibly changes the output
//   models/berth-tiny-coder.manifest.json         recipe id, this script's sha256, size and sha256 of both files
// Plain JS rather than TypeScript so it runs straight after `npm ci`, before tsc; the server's
// ensureDefaultModel() (src/images/llm/default-model.ts) spawns it when the model is missing.
// Run: node scripts/build-model.mjs [--force] [--out <dir>]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const llamaPackageDir = join(root, "node_modules", "node-llama-cpp");

const RECIPE = {
  tokenizer: "models/ggml-vocab-deepseek-coder.gguf",
  embedding: 256,
  layers: 4,
  feedForward: 768,
  heads: 4,
  contextLength: 4096,
  seed: 0x5eed_b347,
  loraRank: 8,
};
const MODEL_FILE = "berth-tiny-coder.gguf";
const ADAPTER_FILE = join("adapters", "berth-demo-lora", "adapter.gguf");
const MANIFEST_FILE = "berth-tiny-coder.manifest.json";

// ---- GGUF constants ---------------------------------------------------------------------------

const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 };
const SCALAR_SIZE = { [T.U8]: 1, [T.I8]: 1, [T.U16]: 2, [T.I16]: 2, [T.U32]: 4, [T.I32]: 4, [T.F32]: 4, [T.BOOL]: 1, [T.U64]: 8, [T.I64]: 8, [T.F64]: 8 };
const GGML = { F32: 0, F16: 1, Q8_0: 8 };
const ALIGNMENT = 32;
const TOKEN_TYPE = { NORMAL: 1, CONTROL: 3 };

// ---- GGUF reading (only what copying the tokenizer needs) --------------------------------------

function readGgufKvs(buf) {
  if (buf.toString("latin1", 0, 4) !== "GGUF") throw new Error("tokenizer file is not GGUF (bad magic)");
  let pos = 8; // magic + version
  const u32 = () => {
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(buf.readBigUInt64LE(pos));
    pos += 8;
    return v;
  };
  const str = () => {
    const n = u64();
    const s = buf.toString("utf8", pos, pos + n);
    pos += n;
    return s;
  };
  const scalar = (type) => {
    const at = pos;
    pos += SCALAR_SIZE[type];
    switch (type) {
      case T.U8:
        return buf.readUInt8(at);
      case T.I8:
        return buf.readInt8(at);
      case T.U16:
        return buf.readUInt16LE(at);
      case T.I16:
        return buf.readInt16LE(at);
      case T.U32:
        return buf.readUInt32LE(at);
      case T.I32:
        return buf.readInt32LE(at);
      case T.F32:
        return buf.readFloatLE(at);
      case T.BOOL:
        return buf.readUInt8(at) !== 0;
      case T.U64:
        return buf.readBigUInt64LE(at);
      case T.I64:
        return buf.readBigInt64LE(at);
      case T.F64:
        return buf.readDoubleLE(at);
      default:
        throw new Error(`unknown GGUF value type ${type} at byte ${at}`);
    }
  };
  const value = (type) => {
    if (type === T.STRING) return str();
    if (type !== T.ARRAY) return scalar(type);
    const itemType = u32();
    const n = u64();
    const items = new Array(n);
    for (let i = 0; i < n; i++) items[i] = itemType === T.STRING ? str() : scalar(itemType);
    return { itemType, items };
  };
  u64(); // tensor count: a vocab-only file has none worth reading
  const nKv = u64();
  const kvs = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    kvs.set(key, { type, value: value(type) });
  }
  return kvs;
}

// ---- GGUF writing ----------------------------------------------------------------------------

class ByteSink {
  parts = [];
  length = 0;
  push(b) {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  scalar(type, v) {
    const b = Buffer.alloc(SCALAR_SIZE[type]);
    switch (type) {
      case T.U8:
        b.writeUInt8(v);
        break;
      case T.I8:
        b.writeInt8(v);
        break;
      case T.U16:
        b.writeUInt16LE(v);
        break;
      case T.I16:
        b.writeInt16LE(v);
        break;
      case T.U32:
        b.writeUInt32LE(v);
        break;
      case T.I32:
        b.writeInt32LE(v);
        break;
      case T.F32:
        b.writeFloatLE(v);
        break;
      case T.BOOL:
        b.writeUInt8(v ? 1 : 0);
        break;
      case T.U64:
        b.writeBigUInt64LE(BigInt(v));
        break;
      case T.I64:
        b.writeBigInt64LE(BigInt(v));
        break;
      case T.F64:
        b.writeDoubleLE(v);
        break;
      default:
        throw new Error(`cannot write GGUF value type ${type}`);
    }
    this.push(b);
  }
  value(type, v) {
    if (type === T.STRING) return this.str(v);
    if (type !== T.ARRAY) return this.scalar(type, v);
    this.u32(v.itemType);
    this.u64(v.items.length);
    for (const item of v.items) v.itemType === T.STRING ? this.str(item) : this.scalar(v.itemType, item);
  }
  padTo(alignment) {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad) this.push(Buffer.alloc(pad));
  }
}

/** kvs: Map key → {type, value}; tensors: [{name, dims: [ne0, ne1?], type, data: Buffer}] in file order. */
function writeGguf(path, kvs, tensors) {
  const head = new ByteSink();
  head.push(Buffer.from("GGUF", "latin1"));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(kvs.size);
  for (const [key, { type, value }] of kvs) {
    head.str(key);
    head.u32(type);
    head.value(type, value);
  }
  let offset = 0;
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset += t.data.length + ((ALIGNMENT - (t.data.length % ALIGNMENT)) % ALIGNMENT);
  }
  head.padTo(ALIGNMENT);
  const body = new ByteSink();
  for (const t of tensors) {
    body.push(t.data);
    body.padTo(ALIGNMENT);
  }
  // A unique temporary name, then rename: two servers starting at once may both build.
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    for (const part of [...head.parts, ...body.parts]) writeSync(fd, part);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

// ---- Numbers: seeded PRNG, q8_0 ----------------------------------------------------------

function hashSeed(text) {
  let h = RECIPE.seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** mulberry32: tiny, fast, and the same sequence everywhere; one stream per tensor name. */
function uniformStream(name) {
  let a = hashSeed(name);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills with uniform noise of standard deviation `std` (uniform keeps the int8 range well used). */
function noise(name, count, std) {
  const next = uniformStream(name);
  const half = std * Math.sqrt(3);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * half;
  return out;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
function toHalf(value) {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 112; // rebias 127 → 15
  const mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const shift = 14 - exp;
    const full = mant | 0x800000;
    return sign | ((full >>> shift) + ((full >>> (shift - 1)) & 1));
  }
  return (sign | (exp << 10) | (mant >>> 13)) + ((mant >>> 12) & 1);
}

function f32Tensor(values) {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** q8_0: blocks of 32 values, each an f16 scale then 32 int8. */
function q8Tensor(values) {
  if (values.length % 32) throw new Error("q8_0 needs a multiple of 32 values");
  const out = Buffer.alloc((values.length / 32) * 34);
  for (let b = 0, o = 0; b < values.length; b += 32, o += 34) {
    let max = 0;
    for (let i = 0; i < 32; i++) max = Math.max(max, Math.abs(values[b + i]));
    const scale = max / 127;
    const inv = scale ? 1 / scale : 0;
    out.writeUInt16LE(toHalf(scale), o);
    for (let i = 0; i < 32; i++) out.writeInt8(Math.round(values[b + i] * inv), o + 2 + i);
  }
  return out;
}

// ---- Tokenizer: read out of node-llama-cpp's bundled llama.cpp source ------------------------

function extractTokenizer() {
  const bundle = join(llamaPackageDir, "llama", "gitRelease.bundle");
  if (!existsSync(bundle)) throw new Error(`llama.cpp source bundle not found at ${bundle}; run npm ci first`);
  const tmp = mkdtempSync(join(tmpdir(), "berth-vocab-"));
  try {
    execFileSync("git", ["clone", "--quiet", "--bare", bundle, join(tmp, "src.git")], { stdio: ["ignore", "ignore", "pipe"] });
    return execFileSync("git", ["--git-dir", join(tmp, "src.git"), "cat-file", "blob", `HEAD:${RECIPE.tokenizer}`], {
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// GPT-2 byte-level BPE writes bytes as printable code points; invert that to judge a token's text.
function gpt2ByteDecoder() {
  const decoder = new Map();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    decoder.set(printable ? b : 256 + extra++, b);
  }
  return decoder;
}

function tokenText(token, decoder) {
  let text = "";
  for (const ch of token) {
    const byte = decoder.get(ch.codePointAt(0));
    if (byte === undefined || byte > 126 || (byte < 32 && byte !== 10 && byte !== 9)) return null;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * Logit offset per token, so random weights print code-ish ASCII and never end early:
 * special tokens (EOS included) are pushed far below anything samplable.
 */
function codeBias(tokens, tokenTypes) {
  const decoder = gpt2ByteDecoder();
  const bias = new Float32Array(tokens.length);
  for (let id = 0; id < tokens.length; id++) {
    if (tokenTypes[id] !== TOKEN_TYPE.NORMAL) {
      bias[id] = -60;
      continue;
    }
    const text = tokenText(tokens[id], decoder);
    // Ratios tuned by eye: about 23k identifier-like tokens, 350 short punctuation ones, one newline.
    if (text === null || text.length === 0) bias[id] = -14;
    else if (/^ ?[A-Za-z_][A-Za-z0-9_]*$/.test(text)) bias[id] = 2;
    else if (/^ ?[(){}[\];,.:=+\-*/<>!&|"'%#@?^~]{1,2}$/.test(text)) bias[id] = 4;
    else if (text === "\n") bias[id] = 8.5;
    else if (/^ {2,12}$/.test(text)) bias[id] = 4;
    else if (/^ ?[0-9]+$/.test(text)) bias[id] = 0.5;
    else if (/^[\t ]+$/.test(text)) bias[id] = -4;
    else bias[id] = 0;
  }
  return bias;
}

/** The demo adapter's extra logit per token: it leans towards SHOUTED_CONSTANTS. */
function shoutBias(tokens) {
  const decoder = gpt2ByteDecoder();
  const bias = new Float32Array(tokens.length);
  for (let id = 0; id < tokens.length; id++) {
    const text = tokenText(tokens[id], decoder);
    if (text !== null && /^ ?[A-Z][A-Z0-9_]+$/.test(text)) bias[id] = 5;
  }
  return bias;
}

// ---- The model -------------------------------------------------------------------------------

// Residual channels 0..31 (exactly one q8_0 block) hold a constant: embeddings set it, no layer writes
// to it, so after the final RMS norm each is about BIAS_VALUE / rms(x), and output.weight's first block
// adds a fixed per-token logit. The bias lives in the weights at no runtime cost, and a block of equal
// values quantizes exactly, so output.weight can stay q8_0 (f16 decoded at ~500 tok/s, q8_0 at ~900).
const BIAS_CHANNELS = 32;
const BIAS_VALUE = 1;
const BIAS_AFTER_NORM = 0.83; // 1 / rms(x): 32 channels at 1, 224 of random variance about 1.5

function buildModel(tokenizerKvs) {
  const { embedding: E, layers: L, feedForward: FF, heads } = RECIPE;
  const tokens = tokenizerKvs.get("tokenizer.ggml.tokens").value.items;
  const tokenTypes = tokenizerKvs.get("tokenizer.ggml.token_type").value.items;
  const V = tokens.length;
  const bias = codeBias(tokens, tokenTypes);

  const kvs = new Map([
    ["general.architecture", { type: T.STRING, value: "llama" }],
    ["general.name", { type: T.STRING, value: "berth-tiny-coder" }],
    ["general.description", { type: T.STRING, value: `Random weights (seeded) made by scripts/build-model.mjs; recipe ${recipeId()}` }],
    ["general.file_type", { type: T.U32, value: 7 }], // mostly q8_0
    ["general.alignment", { type: T.U32, value: ALIGNMENT }],
    ["llama.context_length", { type: T.U32, value: RECIPE.contextLength }],
    ["llama.embedding_length", { type: T.U32, value: E }],
    ["llama.block_count", { type: T.U32, value: L }],
    ["llama.feed_forward_length", { type: T.U32, value: FF }],
    ["llama.attention.head_count", { type: T.U32, value: heads }],
    ["llama.attention.head_count_kv", { type: T.U32, value: heads }],
    ["llama.rope.dimension_count", { type: T.U32, value: E / heads }],
    ["llama.attention.layer_norm_rms_epsilon", { type: T.F32, value: 1e-5 }],
    ["llama.vocab_size", { type: T.U32, value: V }],
  ]);
  for (const [key, kv] of tokenizerKvs) if (key.startsWith("tokenizer.")) kvs.set(key, kv);
  // The vocab file marks the fill-in-the-middle markers user-defined; llama.cpp warns at every load and
  // treats them as control anyway. tokenTypes is the array the copied key holds, so this edits the copy.
  for (let id = 0; id < V; id++) if (/^<｜fim.+｜>$/.test(tokens[id])) tokenTypes[id] = TOKEN_TYPE.CONTROL;

  const ones = (n) => new Float32Array(n).fill(1);
  const tensors = [];

  const embd = noise("token_embd", E * V, 1);
  for (let v = 0; v < V; v++) embd.fill(BIAS_VALUE, v * E, v * E + BIAS_CHANNELS);
  tensors.push({ name: "token_embd.weight", dims: [E, V], type: GGML.Q8_0, data: q8Tensor(embd) });

  for (let l = 0; l < L; l++) {
    const p = `blk.${l}`;
    const matrix = (name, nIn, nOut, std, keepBias) => {
      const w = noise(`${p}.${name}`, nIn * nOut, std);
      if (keepBias) w.fill(0, 0, nIn * BIAS_CHANNELS); // these output rows would write the bias channels
      tensors.push({ name: `${p}.${name}.weight`, dims: [nIn, nOut], type: GGML.Q8_0, data: q8Tensor(w) });
    };
    tensors.push({ name: `${p}.attn_norm.weight`, dims: [E], type: GGML.F32, data: f32Tensor(ones(E)) });
    matrix("attn_q", E, E, 1.5 / Math.sqrt(E));
    matrix("attn_k", E, E, 1.5 / Math.sqrt(E));
    matrix("attn_v", E, E, 1 / Math.sqrt(E));
    matrix("attn_output", E, E, 0.5 / Math.sqrt(E), true);
    tensors.push({ name: `${p}.ffn_norm.weight`, dims: [E], type: GGML.F32, data: f32Tensor(ones(E)) });
    matrix("ffn_gate", E, FF, 1 / Math.sqrt(E));
    matrix("ffn_up", E, FF, 1 / Math.sqrt(E));
    matrix("ffn_down", FF, E, 0.5 / Math.sqrt(FF), true);
  }

  tensors.push({ name: "output_norm.weight", dims: [E], type: GGML.F32, data: f32Tensor(ones(E)) });
  const out = noise("output", E * V, 2 / Math.sqrt(E - BIAS_CHANNELS));
  for (let v = 0; v < V; v++) out.fill(bias[v] / (BIAS_CHANNELS * BIAS_AFTER_NORM), v * E, v * E + BIAS_CHANNELS);
  tensors.push({ name: "output.weight", dims: [E, V], type: GGML.Q8_0, data: q8Tensor(out) });
  return { kvs, tensors, tokens };
}

/** LoRA pairs per llama.cpp's llama-adapter.cpp: lora_a [n_in, r], lora_b [r, n_out]; scale = alpha / r. */
function buildAdapter(tokens) {
  const { embedding: E, layers: L, loraRank: r } = RECIPE;
  const V = tokens.length;
  const kvs = new Map([
    ["general.architecture", { type: T.STRING, value: "llama" }],
    ["general.type", { type: T.STRING, value: "adapter" }],
    ["general.name", { type: T.STRING, value: "berth-demo-lora" }],
    ["adapter.type", { type: T.STRING, value: "lora" }],
    ["adapter.lora.alpha", { type: T.F32, value: r }],
  ]);
  const tensors = [];
  const pair = (base, nIn, nOut, a, b) => {
    tensors.push({ name: `${base}.lora_a`, dims: [nIn, r], type: GGML.F32, data: f32Tensor(a) });
    tensors.push({ name: `${base}.lora_b`, dims: [r, nOut], type: GGML.F32, data: f32Tensor(b) });
  };
  for (let l = 0; l < L; l++) {
    for (const name of ["attn_q", "attn_v"]) {
      const base = `blk.${l}.${name}.weight`;
      pair(base, E, E, noise(`${base}.lora_a`, E * r, 1 / Math.sqrt(E)), noise(`${base}.lora_b`, r * E, 0.5 / Math.sqrt(r)));
    }
  }
  // Rank 0 of the output pair averages the bias channels and adds the shout bias; the rest is noise.
  const a = noise("output.lora_a", E * r, 0.3 / Math.sqrt(E));
  for (let i = 0; i < E; i++) a[i] = i < BIAS_CHANNELS ? 1 / BIAS_CHANNELS : 0;
  const b = noise("output.lora_b", r * V, 0.3);
  const shout = shoutBias(tokens);
  for (let v = 0; v < V; v++) b[v * r] = shout[v] / BIAS_AFTER_NORM;
  pair("output.weight", E, V, a, b);
  return { kvs, tensors };
}

// ---- Up-to-date check and main ---------------------------------------------------------------

/** Hashes this script's own text too, so any edit to the generator rebuilds old files. */
function recipeId() {
  const llamaVersion = JSON.parse(readFileSync(join(llamaPackageDir, "package.json"), "utf8")).version;
  const script = readFileSync(fileURLToPath(import.meta.url));
  return createHash("sha256")
    .update(JSON.stringify({ ...RECIPE, llamaVersion }))
    .update(script)
    .digest("hex")
    .slice(0, 16);
}

function describeFile(path) {
  const data = readFileSync(path);
  return { size: data.length, sha256: createHash("sha256").update(data).digest("hex") };
}

function isUpToDate(outDir) {
  const manifestPath = join(outDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return false;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (manifest.recipe !== recipeId()) return false;
  return Object.entries(manifest.files).every(([file, want]) => {
    const path = join(outDir, file);
    if (!existsSync(path) || statSync(path).size !== want.size) return false;
    return describeFile(path).sha256 === want.sha256;
  });
}

function main(argv) {
  const force = argv.includes("--force");
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 ? argv[outIndex + 1] : join(root, "models");
  const started = performance.now();
  const ms = () => `${Math.round(performance.now() - started)} ms`;
  const shown = (p) => relative(process.cwd(), p) || p;

  if (!force && isUpToDate(outDir)) {
    console.log(`build-model: ${shown(join(outDir, MODEL_FILE))} is up to date (recipe ${recipeId()}, checked in ${ms()}); --force rebuilds`);
    return;
  }
  const tokenizerKvs = readGgufKvs(extractTokenizer());
  const tokenizerMs = ms();
  const model = buildModel(tokenizerKvs);
  const adapter = buildAdapter(model.tokens);

  const modelPath = join(outDir, MODEL_FILE);
  const adapterPath = join(outDir, ADAPTER_FILE);
  mkdirSync(dirname(adapterPath), { recursive: true });
  writeGguf(modelPath, model.kvs, model.tensors);
  writeGguf(adapterPath, adapter.kvs, adapter.tensors);

  const files = { [MODEL_FILE]: describeFile(modelPath), [ADAPTER_FILE]: describeFile(adapterPath) };
  const manifestTmp = join(outDir, `${MANIFEST_FILE}.${process.pid}.tmp`);
  // `generator` lets a server's cheap start-up check notice an edited script without recomputing the recipe.
  const generator = createHash("sha256")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest("hex");
  writeFileSync(manifestTmp, JSON.stringify({ recipe: recipeId(), generator, files }, null, 2) + "\n");
  renameSync(manifestTmp, join(outDir, MANIFEST_FILE));

  const mb = (n) => (n / 1048576).toFixed(1);
  console.log(
    `build-model: wrote ${shown(modelPath)} (${mb(files[MODEL_FILE].size)} MB, ${RECIPE.embedding} wide x ${RECIPE.layers} layers, ` +
      `${model.tokens.length} tokens) and ${shown(adapterPath)} (${mb(files[ADAPTER_FILE].size)} MB) in ${ms()} (tokenizer read in ${tokenizerMs})`,
  );
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`build-model: failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
