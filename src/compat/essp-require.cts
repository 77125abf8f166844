/**
 * CommonJS entry of `kioskbus/compat/essp` (`require('kioskbus/compat/essp')` returns the class, like the older
 * library). It loads the ES module build with Node's require(esm) (enabled by default from Node 20.19, the package's
 * minimum).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS entry must use require
import compat = require('./essp.js');

export = compat.default;
