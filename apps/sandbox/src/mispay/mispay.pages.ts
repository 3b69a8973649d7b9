/** The shopper's MIS Pay pages: plain, small HTML. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}button{margin:.25rem;padding:.5rem 1rem}</style></head>
<body><h1>MIS Pay (sandbox)</h1>${body}</body></html>`;
}

export interface CheckoutPageModel {
  trackId: string;
  orderId: string;
  amountText: string;
  status: string;
  actionPath: string;
}

export function checkoutPage(model: CheckoutPageModel): string {
  return layout(
    'MIS Pay checkout',
    `<p>Order <code>${escapeHtml(model.orderId)}</code>: <strong>${escapeHtml(model.amountText)} SAR</strong> in instalments.</p>
<p>Status: <code id="status">${escapeHtml(model.status)}</code></p>
<form method="post" action="${escapeHtml(model.actionPath)}">
<button name="action" value="approve">Approve</button>
<button name="action" value="cancel">Cancel</button>
<button name="action" value="abandon">Abandon</button>
</form>`,
  );
}

export function messagePage(title: string, message: string, status?: string): string {
  return layout(title, `<p>${escapeHtml(message)}</p>${status ? `<p>Status: <code id="status">${escapeHtml(status)}</code></p>` : ''}`);
}
