/** The data readers (src/data/readers.ts) as the command line uses them, through the public API. */
export { checkDataFile, readRecords, DataError, DATA_FORMATS, type DataFormat, type DataRecord } from '../index.js';
