/** The training report's public pieces (fit writes the report itself when options.report is set). */
export { writeReport } from './write.js';
export { modelReport, type ModelReportOptions } from './model-report.js';
export { parseReportData, defaultWords, REPORT_FORMAT, type ReportData, type BatchColumns } from './data.js';
export { REPORT_WARNING } from './recorder.js';
export type { ReportOptions } from './options.js';
export type { StepGradientSample } from './step-gradients.js';
