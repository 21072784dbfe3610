/**
 * uWebSockets.js for the optional floor-uws target of bench:router. Its authors publish it on GitHub only;
 * this repackaging on the npm registry carries the same binaries, Node 20's among them. Not one of Berth's
 * dependencies: installed by hand, with `npm i --no-save`, by whoever measures that target.
 */
export const uwsPackage = { name: "@trufflesuite/uws-js-unofficial", version: "20.30.0-unofficial.0" };
export const uwsInstall = `npm i --no-save ${uwsPackage.name}@${uwsPackage.version}`;
