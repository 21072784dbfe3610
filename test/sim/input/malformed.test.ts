import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { readTrace, TraceFormatError } from "../../../src/sim/input/index.js";
import { fixtures } from "./paths.js";

async function failure(path: string): Promise<TraceFormatError> {
  try {
    await readTrace(path);
  } catch (error) {
    if (error instanceof TraceFormatError) return error;
    throw error;
  }
  throw new Error(`${path} was read without an error`);
}

describe("malformed trace files", () => {
  it("names the Azure LLM file, line and column of a bad token count", async (t: TestContext) => {
    t.plan(3);
    const file = join(fixtures, "bad", "azure-llm-bad.csv");
    const error = await failure(file);
    t.assert.equal(error.message, `${file} line 3, column ContextTokens: expected a whole number, found "abc"`);
    t.assert.equal(error.line, 3);
    t.assert.equal(error.column, "ContextTokens");
  });

  it("counts blank lines when it names the line of a bad timestamp", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "azure-llm-badtime.csv");
    const error = await failure(file);
    t.assert.equal(error.message, `${file} line 4, column TIMESTAMP: expected a time like 2023-11-16 18:17:03.9799600, found "2023-11-16 25:00:01.0000000"`);
  });

  it("names the Mooncake line and field of a negative length", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "mooncake-bad.jsonl");
    t.assert.equal((await failure(file)).message, `${file} line 3, field input_length: expected a whole number, found -3`);
  });

  it("refuses a token count above ten million instead of wrapping it to a negative one", async (t: TestContext) => {
    t.plan(2);
    const csv = join(fixtures, "bad", "azure-llm-huge.csv");
    t.assert.equal(
      (await failure(csv)).message,
      `${csv} line 3, column GeneratedTokens: expected at most 10,000,000 tokens (the most one request may have), found "4294967286"; correct the value or remove the row`,
    );
    const jsonl = join(fixtures, "bad", "mooncake-huge.jsonl");
    t.assert.equal(
      (await failure(jsonl)).message,
      `${jsonl} line 2, field input_length: expected at most 10,000,000 tokens (the most one request may have), found 3000000000; correct the value or remove the row`,
    );
  });

  it("names the Mooncake line that is not JSON", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "mooncake-notjson.jsonl");
    t.assert.match((await failure(file)).message, new RegExp(`^${escape(file)} line 2: expected one JSON object per line, found text that is not JSON \\(`));
  });

  it("names the Azure Functions minute column of a bad count", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "functions", "invocations.csv");
    t.assert.equal((await failure(join(fixtures, "bad", "functions"))).message, `${file} line 3, column 601: expected a whole number, found "x"`);
  });

  it("refuses an Azure Functions count its 32-bit column cannot hold", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "functions-huge", "invocations.csv");
    t.assert.equal(
      (await failure(join(fixtures, "bad", "functions-huge"))).message,
      `${file} line 2, column 601: expected at most 2,147,483,647 (the most this column holds), found "999999999999"; correct the value or remove the row`,
    );
  });

  it("refuses an Azure Functions duration above a day", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "functions-long", "durations.csv");
    t.assert.equal(
      (await failure(join(fixtures, "bad", "functions-long"))).message,
      `${file} line 2, column percentile_Average_100: expected at most 86,400,000 (a day in milliseconds), found "1e42"; correct the value or remove the row`,
    );
  });

  it("names the ServeGen column of an unknown distribution", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "servegen", "chunk-7-trace.csv");
    t.assert.equal(
      (await failure(file)).message,
      `${file} line 2, column 4 (distribution): expected Gamma, Weibull or nothing (a window without requests), found "Poisson"`,
    );
  });

  it("refuses a ServeGen Weibull or Gamma shape too small to replay at the window's rate", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "bad", "servegen-shape", "chunk-0-trace.csv");
    t.assert.equal(
      (await failure(file)).message,
      `${file} line 2, column 5 (shape): expected a Weibull shape of at least 0.1, found "0.01": gaps that heavy-tailed replay nowhere near the window's rate; ` +
        `correct the fit, or leave column 4 empty to replay the window as Poisson`,
    );
  });

  it("lists the understood formats and their layouts for a file it cannot place", async (t: TestContext) => {
    t.plan(5);
    const file = join(fixtures, "portfolio-example.yaml");
    const message = (await failure(file)).message;
    t.assert.match(message, /cannot tell which trace format this is/);
    t.assert.match(message, /azure-llm: a \.csv file whose header is TIMESTAMP,ContextTokens,GeneratedTokens/);
    t.assert.match(message, /mooncake: a \.jsonl file/);
    t.assert.match(message, /azure-functions: a folder holding invocations\.csv/);
    t.assert.match(message, /servegen: a chunk-<client>-trace\.csv file/);
  });

  it("says a missing path is missing", async (t: TestContext) => {
    t.plan(1);
    const file = join(fixtures, "no-such-trace.csv");
    t.assert.equal((await failure(file)).message, `${file}: no such file or folder; pass the path of a trace file or of a folder of trace files`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
