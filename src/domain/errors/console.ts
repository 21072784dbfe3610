import { BerthError } from "./berth-error.js";

export const consoleErrors = {
  loginRequired: () =>
    new BerthError({
      code: "ConsoleLoginRequired",
      httpStatus: 401,
      message: "Log in to the console with an access key (its secret signs the login in the browser and is never sent), or your session has ended.",
    }),
  notBuilt: (root: string) =>
    new BerthError({
      code: "ConsoleNotBuilt",
      httpStatus: 404,
      message: `The web console is not built (no index.html in ${root}). Run 'npm run build'.`,
    }),
};
