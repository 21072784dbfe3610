import { fileURLToPath } from "node:url";

/** The image of test/fixtures/env-server.mjs, whose copies answer with their environment and model files: config `images:`. */
export const testEnvImage = { "test/env": { command: [process.execPath, fileURLToPath(new URL("../../../test/fixtures/env-server.mjs", import.meta.url))] } };
