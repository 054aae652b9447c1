import { describe, expect, it } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import PageView from '../components/PageView.svelte';
import { displayScale, isBox, nudge, pageOfHit, toPixels, toPoints } from '../lib/pagebox';
import type { PageBox, PageFrame } from '../api/types';

const letter: PageFrame = { page: 1, width: 612, height: 792, rotate: 0 };

describe('overlay math', () => {
  it('maps page-space points to pixels of the image as shown', () => {
    // An image rendered at 1.5 shown at its natural width, and the same page squeezed to 306 px.
    expect(displayScale(letter, 918)).toBe(1.5);
    expect(toPixels([72, 100, 144, 112], 1.5)).toEqual({ left: 108, top: 150, width: 108, height: 18 });
    const half = displayScale(letter, 306);
    expect(half).toBe(0.5);
    expect(toPixels([72, 100, 144, 112], half)).toEqual({ left: 36, top: 50, width: 36, height: 6 });
    // Corners in any order; nothing shown before the page has a width.
    expect(toPixels([144, 112, 72, 100], 1)).toEqual({ left: 72, top: 100, width: 72, height: 12 });
    expect(displayScale(letter, 0)).toBe(0);
  });

  it('maps a drag in pixels back to points, kept on the page', () => {
    expect(toPoints([108, 150, 216, 168], 1.5, letter)).toEqual([72, 100, 144, 112]);
    expect(toPoints([-30, 900, 60, 1500], 1.5, letter)).toEqual([0, 600, 40, 792]);
    expect(isBox([10, 10, 11, 40])).toBe(false);
    expect(isBox([10, 10, 30, 40])).toBe(true);
  });

  it('nudges and resizes a box with the keyboard without leaving the page', () => {
    expect(nudge([10, 10, 50, 30], 4, -4, false, letter)).toEqual([14, 6, 54, 26]);
    expect(nudge([10, 10, 50, 30], -40, 0, false, letter)).toEqual([0, 10, 40, 30]);
    expect(nudge([10, 10, 50, 30], 4, 4, true, letter)).toEqual([10, 10, 54, 34]);
    expect(nudge([10, 10, 50, 30], -100, 0, true, letter)).toEqual([10, 10, 11, 30]);
  });

  it('finds the page of a hit for next/previous across pages', () => {
    const hits: PageBox[] = [
      { page: 1, rect: [0, 0, 1, 1], hit: 0 },
      { page: 3, rect: [0, 0, 1, 1], hit: 1 },
    ];
    expect(pageOfHit(hits, 1)).toBe(3);
    expect(pageOfHit(hits, 2)).toBeNull();
  });
});

describe('PageView', () => {
  const boxes = {
    hits: [{ page: 1, rect: [72, 100, 144, 112], hit: 0 }, { page: 1, rect: [200, 100, 250, 112], hit: 1 }] as PageBox[],
    redactions: [{ page: 1, rect: [300, 200, 450, 260], region: 7, reason: 'PII' }] as PageBox[],
  };

  it('draws hits and redaction boxes scaled to the displayed image', () => {
    const { container } = render(PageView, { props: { src: 'page.png', frame: letter, ...boxes, current: 1, displayWidth: 306 } });
    const img = container.querySelector('img')!;
    expect([img.getAttribute('width'), img.getAttribute('height')]).toEqual(['918', '1188']);
    const svg = container.querySelector('svg')!;
    expect([svg.getAttribute('width'), svg.getAttribute('height')]).toEqual(['306', '396']);
    const hits = [...container.querySelectorAll('[data-testid=hit-box]')];
    expect(hits.map((r) => ['x', 'y', 'width', 'height'].map((a) => r.getAttribute(a)))).toEqual([
      ['36', '50', '36', '6'],
      ['100', '50', '25', '6'],
    ]);
    expect(hits[1].classList.contains('current')).toBe(true);
    const red = container.querySelector('[data-testid=redaction-box]')!;
    expect(['x', 'y', 'width', 'height'].map((a) => red.querySelector('rect')!.getAttribute(a))).toEqual(['150', '100', '75', '30']);
    expect(red.getAttribute('data-region')).toBe('7');
    // 75 px is too narrow for "REDACTED – PII" at 12 px: the code alone.
    expect(red.querySelector('text')!.textContent).toBe('PII');
  });

  it('labels a region in full where it fits', () => {
    const { container } = render(PageView, { props: { src: 'page.png', frame: letter, ...boxes, displayWidth: 918 } });
    expect(container.querySelector('[data-testid=redaction-box] text')!.textContent).toBe('REDACTED – PII');
  });

  it('turns a drag into a box in points', async () => {
    let drawn: number[] | null = null;
    const { container } = render(PageView, {
      props: { src: 'page.png', frame: letter, drawing: true, displayWidth: 918, ondraw: (r: number[]) => (drawn = r) },
    });
    const svg = container.querySelector('svg')!;
    // jsdom lays nothing out: the overlay's top-left is at (0, 0).
    await fireEvent.pointerDown(svg, { button: 0, clientX: 108, clientY: 150, pointerId: 1 });
    await fireEvent.pointerMove(svg, { clientX: 216, clientY: 168, pointerId: 1 });
    await fireEvent.pointerUp(svg, { clientX: 216, clientY: 168, pointerId: 1 });
    expect(drawn).toEqual([72, 100, 144, 112]);
  });

  it('ignores drags when not drawing', async () => {
    let drawn = false;
    const { container } = render(PageView, { props: { src: 'page.png', frame: letter, displayWidth: 918, ondraw: () => (drawn = true) } });
    const svg = container.querySelector('svg')!;
    await fireEvent.pointerDown(svg, { button: 0, clientX: 10, clientY: 10 });
    await fireEvent.pointerUp(svg, { clientX: 200, clientY: 200 });
    expect(drawn).toBe(false);
  });
});
