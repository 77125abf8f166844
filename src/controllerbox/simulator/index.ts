/** `kioskbus/controllerbox/simulator`: the simulated ControllerBox board and its script language. */
export * from './simulator.js';
export { runScriptLine, SCRIPT_HELP } from './script.js';
