import { judgeCard, maskCard, maskCardFields, splitExpiry, TEST_CARD } from './alqaseh.cards';

describe('simulator card rules (§7)', () => {
  const test = { pan: TEST_CARD.pan, cvv: '971', expiryMonth: '01', expiryYear: '2027' };

  it('approves the published test card, with its expiry in either year form', () => {
    expect(judgeCard(test)).toBe('approved');
    expect(judgeCard({ ...test, expiryYear: '27', expiryMonth: '1' })).toBe('approved');
    expect(judgeCard({ ...test, pan: '5341 4329 0007 7803' })).toBe('approved');
  });

  it('fails the test card with a wrong CVV2 or expiry (it is then not the published card)', () => {
    expect(judgeCard({ ...test, cvv: '000' })).toBe('failed');
    expect(judgeCard({ ...test, expiryYear: '2028' })).toBe('failed');
  });

  it('declines PANs ending in 0002 and fails any other', () => {
    expect(judgeCard({ ...test, pan: '4111111111110002' })).toBe('declined');
    expect(judgeCard({ ...test, pan: '4111111111111111' })).toBe('failed');
    expect(judgeCard({ ...test, pan: '0002' })).toBe('failed');
  });

  it('splits typed expiries', () => {
    expect(splitExpiry('01-2027')).toEqual({ expiryMonth: '01', expiryYear: '2027' });
    expect(splitExpiry('1/27')).toEqual({ expiryMonth: '1', expiryYear: '27' });
    expect(splitExpiry('soon')).toEqual({ expiryMonth: '', expiryYear: '' });
  });

  it('masks card data for the log', () => {
    expect(maskCard(TEST_CARD.pan)).toBe('****7803');
    expect(maskCard('12')).toBe('****');
    expect(maskCardFields({ CardNumber: TEST_CARD.pan, Cvv: '971', EXPMon: '01', EXPYear: '2027', action: 'card' })).toEqual({
      CardNumber: '****7803',
      Cvv: '***',
      EXPMon: '***',
      EXPYear: '***',
      action: 'card',
    });
    expect(JSON.stringify(maskCardFields({ card_number: TEST_CARD.pan, cvv: '971', expiry: '01-2027' }))).not.toMatch(/5341432900077803|971|2027/);
    expect(maskCardFields({ note: '5341 4329 0007 7803', amount: 25000, order_id: 'AQ-1' })).toEqual({ note: '****7803', amount: 25000, order_id: 'AQ-1' });
  });
});
