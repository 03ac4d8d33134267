import { describe, expect, it } from 'vitest';
import { MAX_TITLE_LENGTH, toPhotoPostText } from '../../src/publish/tiktok/post-text.ts';

// How one Araldo text becomes a TikTok photo post's title (≤ 90 UTF-16 units)
// and description (≤ 4000), per the photo post reference.

describe('toPhotoPostText', () => {
  it('makes the first line the title and the lines after it the description', () => {
    expect(toPhotoPostText('Mercatino di Natale\n\nIn piazza Walther fino al 6 gennaio.\n#Bolzano')).toEqual({
      title: 'Mercatino di Natale',
      description: 'In piazza Walther fino al 6 gennaio.\n#Bolzano',
    });
  });

  it('gives a one-line text as title alone, so TikTok does not show it twice', () => {
    expect(toPhotoPostText('  Domani chiude il ponte di via Roma.  ')).toEqual({
      title: 'Domani chiude il ponte di via Roma.',
    });
  });

  it('cuts a long first line at a word boundary with an ellipsis and keeps the whole text as description', () => {
    const line = `${'parola '.repeat(20)}fine`;
    const text = `${line}\nseconda riga`;
    const { title, description } = toPhotoPostText(text);
    expect(title?.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(title).toMatch(/^parola( parola)*…$/);
    expect(description).toBe(text);
  });

  it('never splits an emoji when the cut falls inside one', () => {
    const line = `${'a'.repeat(88)}🌉🌉 ponte`;
    const { title } = toPhotoPostText(line);
    expect(title).toBe(`${'a'.repeat(88)}…`);
    expect(title?.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  });

  it('cuts a word too long to break in the middle rather than leave a title of a few letters', () => {
    const { title } = toPhotoPostText(`Avviso ${'x'.repeat(120)}`);
    expect(title).toBe(`Avviso ${'x'.repeat(82)}…`);
    expect(title?.length).toBe(MAX_TITLE_LENGTH);
  });

  it('gives nothing for an empty text', () => {
    expect(toPhotoPostText(' \n ')).toEqual({});
  });
});
