#!/usr/bin/env node
// Berth pins its AWS SDK clients; their notice about future Node versions is not for Berth's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
await import("../dist/src/cli/main.js");
