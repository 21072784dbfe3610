/** Model servers are started as `main.js serve`, like a SageMaker image's ENTRYPOINT; anything else is a usage error. */
export function requireServeCommand(name: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.length === 0 || argv[0] === "serve") return;
  console.error(`${name}: unknown command ${JSON.stringify(argv[0])}; usage: node dist/src/images/${name}/main.js serve`);
  process.exit(2);
}
