import { TEST_CARD } from './alqaseh.cards';
import type { SimPaymentContext } from './alqaseh.state';

/** Plain HTML of the hosted payment page; the look of the real one is not known and does not matter. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto}label{display:block;margin:.5rem 0}form.inline{display:inline}</style>
</head><body><h1>Al Qaseh (sandbox)</h1>${body}</body></html>`;
}

export function paymentPage(context: SimPaymentContext, token: string, message?: string): string {
  const action = `./${encodeURIComponent(token)}`;
  const button = (value: string, label: string) =>
    `<form class="inline" method="post" action="${action}"><input type="hidden" name="action" value="${value}"><button type="submit" name="button" value="${value}">${label}</button></form>`;
  return layout(
    'Al Qaseh payment',
    `<p>Order <code>${escapeHtml(context.orderId)}</code>: <strong>${escapeHtml(String(context.amount))} ${escapeHtml(context.currency)}</strong></p>
<p>${escapeHtml(context.description)}</p>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="action" value="card">
<label>Card number <input name="card_number" inputmode="numeric" autocomplete="off" placeholder="${TEST_CARD.pan.slice(0, 4)} …"></label>
<label>CVV2 <input name="cvv" inputmode="numeric" autocomplete="off" size="4"></label>
<label>Expiry (MM-YYYY) <input name="expiry" autocomplete="off" size="8"></label>
<button type="submit" name="button" value="pay">Pay</button>
</form>
<p>Test card: ${TEST_CARD.pan}, CVV2 ${TEST_CARD.cvv}, expiry ${TEST_CARD.expiryMonth}-${TEST_CARD.expiryYear}; a card ending in 0002 is declined; any other card fails.</p>
<p>Scenario buttons: ${button('decline', 'Decline')} ${button('fail', 'Fail')} ${button('cancel', 'Cancel')} ${button('abandon', 'Abandon')}</p>`,
  );
}

export function closedPage(context: SimPaymentContext): string {
  return layout('Payment not available', `<p>This payment can no longer be paid (status <code>${escapeHtml(context.status)}</code>).</p>`);
}

export function notFoundPage(): string {
  return layout('Payment not found', '<p>No payment belongs to this link.</p>');
}

export function resultPage(context: SimPaymentContext, note: string): string {
  return layout('Payment processed', `<p>Order <code>${escapeHtml(context.orderId)}</code>: <code>${escapeHtml(context.status)}</code>.</p><p>${escapeHtml(note)}</p>`);
}

export function abandonedPage(context: SimPaymentContext): string {
  return layout('Payment abandoned', `<p>You left the payment of order <code>${escapeHtml(context.orderId)}</code>. The link stays valid until it expires.</p>`);
}

export function serverErrorPage(): string {
  return layout('Error', '<p>The payment page is temporarily unavailable.</p>');
}
