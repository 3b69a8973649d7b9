/** The hosted payment page a shopper sees at `paymentLink` (plain HTML, no scripts). */
export interface PaymentPageOrder {
  orderNo: string;
  amount: string;
  productName: string;
  status: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

export function paymentPage(order: PaymentPageOrder, actionPath: string): string {
  const o = escapeHtml(order.orderNo);
  return page(
    `Mocasa Pay — ${order.orderNo}`,
    `<h1>MocasaBNPL (sandbox)</h1>
<p>Order <code>${o}</code>: ${escapeHtml(order.productName)}</p>
<p>Amount: PHP ${escapeHtml(order.amount)}</p>
<form method="post" action="${escapeHtml(actionPath)}">
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="fail">Fail</button>
<button type="submit" name="action" value="abandon">Abandon</button>
</form>`,
  );
}

export function orderStatusPage(order: PaymentPageOrder, returnUrl: string | undefined): string {
  const back = returnUrl ? `<p><a href="${escapeHtml(returnUrl)}">Back to the merchant</a></p>` : '';
  return page(`Mocasa Pay — ${order.orderNo}`, `<h1>MocasaBNPL (sandbox)</h1><p>Order <code>${escapeHtml(order.orderNo)}</code> is ${escapeHtml(order.status)}.</p>${back}`);
}

export function notFoundPage(orderNo: string): string {
  return page('Mocasa Pay — not found', `<h1>Order not found</h1><p>No order <code>${escapeHtml(orderNo)}</code>.</p>`);
}

export function errorPage(message: string): string {
  return page('Mocasa Pay — error', `<h1>Something went wrong</h1><p>${escapeHtml(message)}</p>`);
}
