import { describe, expect, it } from 'vitest';
import { charToUtf16, etaSeconds, formatBytes, leadIn, problemNotice, queryErrorPosition, textPieces, utf16ToChar } from '../lib/text';

describe('text helpers', () => {
  it('shortens the text before the first hit so the hit shows in a one-line row', () => {
    const lead = 'the quarterly report of the storage desk, as discussed at length on Monday with ';
    const segs = [{ text: lead, hit: false }, { text: 'fraud', hit: true }, { text: ' and more', hit: false }];
    const out = leadIn(segs, 20);
    expect(out[0].text.startsWith('…')).toBe(true);
    expect(Array.from(out[0].text).length).toBeLessThanOrEqual(21);
    expect(lead.endsWith(out[0].text.slice(1))).toBe(true);
    expect(out[0].text.slice(1, 2)).not.toBe(' ');
    expect(out.slice(1)).toEqual(segs.slice(1));
    expect(leadIn([{ text: 'short ', hit: false }, { text: 'fraud', hit: true }], 20)[0].text).toBe('short ');
    expect(leadIn([{ text: lead, hit: false }], 20)).toEqual([{ text: lead, hit: false }]);
  });

  it('names what would get a missing text', () => {
    const p = (kind: 'encrypted' | 'no_text' | 'damaged', mime: string) =>
      problemNotice({ kind, code: null, reason: 'why' }, mime);
    expect(p('encrypted', 'application/pdf').headline).toMatch(/password/);
    expect(p('no_text', 'application/pdf').headline).toMatch(/OCR/);
    expect(p('no_text', 'text/plain').headline).not.toMatch(/OCR/);
    expect(p('damaged', 'application/pdf')).toEqual({ headline: 'Damaged — its text could not be read.', detail: 'why' });
  });

  it('finds the error position in bad_query messages', () => {
    expect(queryErrorPosition('the search query is not valid: at character 12: expected )')).toBe(12);
    expect(queryErrorPosition('something else')).toBeNull();
  });

  it('maps character offsets to UTF-16 across astral characters', () => {
    const t = 'a😀b😀c';
    expect(charToUtf16(t, [0, 1, 2, 3, 4, 5])).toEqual([0, 1, 3, 4, 6, 7]);
    expect(utf16ToChar(t, 6)).toBe(4);
  });

  it('cuts text at hits and redactions', () => {
    const p = textPieces('price cap on gas', [[0, 5], [13, 16]], [[6, 9]]);
    expect(p.map((x) => [x.text, x.hit, x.redacted])).toEqual([
      ['price', 0, false],
      [' ', -1, false],
      ['cap', -1, true],
      [' on ', -1, false],
      ['gas', 1, false],
    ]);
    expect(p[4].start).toBe(13);
  });

  it('formats sizes and ETAs', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(etaSeconds(50, 100, 10_000)).toBe(10);
    expect(etaSeconds(0, 100, 10_000)).toBeNull();
  });
});
