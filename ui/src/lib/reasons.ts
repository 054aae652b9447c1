// The built-in redaction reason codes (schema migration 3), offered wherever a reviewer
// redacts: a text selection or a box drawn on a page.
export const REASONS: { code: string; label: string }[] = [
  { code: 'AC', label: 'AC – attorney-client' },
  { code: 'WP', label: 'WP – work product' },
  { code: 'PII', label: 'PII – personal data' },
  { code: 'SECRET', label: 'SECRET – credentials and keys' },
  { code: 'TS', label: 'TS – trade secret' },
  { code: '3P', label: '3P – third-party confidential' },
];
