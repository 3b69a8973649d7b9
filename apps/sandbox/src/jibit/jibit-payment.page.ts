import type { JibitSimOrder } from './jibit-order.state-machine';

/** The hosted page the switching URL opens: plain HTML, one form, four buttons (§7). */
export function paymentPage(order: JibitSimOrder, actionUrl: string): string {
  const amount = `${order.amount.toLocaleString('en-US')} ${order.currency === 'TOMAN' ? 'toman' : 'rial'}`;
  return page(
    `Jibit PPG sandbox — order ${escapeHtml(order.orderIdentifier)}`,
    `<p>Merchant reference <code>${escapeHtml(order.referenceNumber)}</code>, amount <strong>${escapeHtml(amount)}</strong>.</p>
<form method="post" action="${escapeHtml(actionUrl)}">
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="cancel">Cancel</button>
<button type="submit" name="action" value="fail">Fail</button>
<button type="submit" name="action" value="abandon">Abandon</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
