import { toCsv } from './finance.csv';

describe('finance CSV', () => {
  it('writes a header and one CRLF line per row, quoting what needs it and objects as JSON', () => {
    const csv = toCsv(['a', 'b', 'c'], [
      { a: 'plain', b: 'with, comma', c: { refs: { x: '1' } } },
      { a: 'say "hi"', b: null, c: 'two\nlines' },
    ]);
    expect(csv).toBe('a,b,c\r\nplain,"with, comma","{""refs"":{""x"":""1""}}"\r\n"say ""hi""",,"two\nlines"\r\n');
  });

  it('keeps negative amounts as numbers but defuses anything a spreadsheet would run as a formula', () => {
    const csv = toCsv(['v'], [{ v: '-40000' }, { v: '=HYPERLINK("x")' }, { v: '+1+1' }, { v: '@SUM(A1)' }, { v: '-1+2' }]);
    expect(csv.split('\r\n').slice(1, -1)).toEqual(['-40000', `"'=HYPERLINK(""x"")"`, "'+1+1", "'@SUM(A1)", "'-1+2"]);
  });
});
