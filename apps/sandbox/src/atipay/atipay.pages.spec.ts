import { autoSubmitForm, buyerPage, escapeHtml, parseAutoSubmitForm } from './atipay.pages';

describe('AtiPay simulator pages', () => {
  it('the callback form round-trips every field, escaped', () => {
    const fields = { state: 'OK', status: '2', reservationNumber: 'R-1', odd: '"<&>\'' };
    const html = autoSubmitForm('https://pl.example/callbacks/atipay?a=1&b=2', fields);
    expect(html).toContain('document.forms[0].submit()');
    expect(html).not.toContain('"<&>');
    expect(parseAutoSubmitForm(html)).toEqual({ action: 'https://pl.example/callbacks/atipay?a=1&b=2', fields });
  });

  it('the buyer page offers the four buttons and escapes what it shows', () => {
    const html = buyerPage({ actionBaseUrl: 'http://sb/atipay/v1/redirect-to-gateway', token: 't"k', amountRials: 1000, invoiceNumber: '<R>', deadline: new Date(0) });
    for (const action of ['pay', 'cancel', 'fail', 'abandon']) expect(html).toContain(`action="http://sb/atipay/v1/redirect-to-gateway/${action}"`);
    expect(html).toContain(escapeHtml('<R>'));
    expect(html).not.toContain('<R>');
    expect(parseAutoSubmitForm('<p>no form</p>')).toBeUndefined();
  });
});
