/** The package version written into saved models (kept equal to package.json's by test/package). */
export const FASTRNN_VERSION = '0.1.0';
