/** The small HTML pages of the AtiPay simulator: the buyer's page and the auto-submitting callback form. */

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="fa"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

export const BUYER_ACTIONS = ['pay', 'cancel', 'fail', 'abandon'] as const;
export type BuyerAction = (typeof BUYER_ACTIONS)[number];

export function buyerPage(input: { actionBaseUrl: string; token: string; amountRials: number; invoiceNumber: string; deadline: Date }): string {
  const buttons = BUYER_ACTIONS.map(
    (action) =>
      `<form method="post" action="${escapeHtml(`${input.actionBaseUrl}/${action}`)}" style="display:inline">` +
      `<input type="hidden" name="token" value="${escapeHtml(input.token)}">` +
      `<button type="submit" name="action" value="${action}">${action[0].toUpperCase()}${action.slice(1)}</button></form>`,
  ).join(' ');
  return layout(
    'AtiPay — payment page (sandbox)',
    `<h1>AtiPay sandbox payment</h1><p>Amount: <strong>${input.amountRials}</strong> rials</p>` +
      `<p>Invoice: <code>${escapeHtml(input.invoiceNumber)}</code></p>` +
      `<p>This page expires at ${escapeHtml(input.deadline.toISOString())} (sandbox clock).</p>${buttons}`,
  );
}

/** What the real gateway sends the browser: a form that POSTs the §3.3 fields to the merchant by itself. */
export function autoSubmitForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return layout(
    'AtiPay — returning to the merchant',
    `<form method="post" action="${escapeHtml(action)}" enctype="application/x-www-form-urlencoded">${inputs}` +
      `<noscript><button type="submit">Return to the merchant</button></noscript></form>` +
      `<script>document.forms[0].submit();</script>`,
  );
}

/** Reads an autoSubmitForm page back (the automated buyer in tests uses it). */
export function parseAutoSubmitForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const form = /<form method="post" action="([^"]*)"/.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(match[1])] = unescapeHtml(match[2]);
  }
  return { action: unescapeHtml(form[1]), fields };
}

export function messagePage(title: string, message: string): string {
  return layout(`AtiPay — ${title}`, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
