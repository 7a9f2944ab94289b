// The assess step's public surface: what the workflow's assess effect and `ssec assess` use.

export { AbortedError } from '../retry.ts';
export {
  ASSESS_DEFAULTS,
  type AssessBucketOptions,
  type AssessSummary,
  assessBucket,
} from './assess-bucket.ts';
export type { BucketFindings } from './bucket-findings.ts';
export { CSV_COLUMNS, csvField, writeAssessmentCsv } from './csv.ts';
export { type AssessmentReport, assessmentReport, writeAssessmentJson } from './report.ts';
export type { AssessProgress } from './types.ts';
