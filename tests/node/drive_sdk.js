// Drives the official iletiMerkezi Node SDK (@iletimerkezi/iletimerkezi-node, from npm) against a running
// ileti sandbox and prints what it saw as one JSON document; tests/node/test_node_sdk.py asserts on it.
//
// Environment: ILETI_URL (the sandbox), ILETI_API_KEY, ILETI_API_HASH, ILETI_SENDER (an account created for this
// run, with an active İYS brand and consent for CONSENTED), ILETI_CONTROL_TOKEN (optional).
//
// For every call it records what the SDK's getters answered and what went over the wire (the SDK's own
// `debug()`: the payload it posted and the body it got back), so the test can tell an SDK mistake from a
// sandbox one. Webhooks are received by a real node HTTP server that the sandbox POSTs to.
'use strict';

const http = require('node:http');
const { IletiMerkeziClient, WebhookReport } = require('@iletimerkezi/iletimerkezi-node');

const URL_ = process.env.ILETI_URL;
const KEY = process.env.ILETI_API_KEY;
const HASH = process.env.ILETI_API_HASH;
const SENDER = process.env.ILETI_SENDER;
const TOKEN = process.env.ILETI_CONTROL_TOKEN || '';
const CONSENTED = '5301234567'; // has an İYS ONAY record under the account's brand
const NO_CONSENT = '5301239999'; // has none: a commercial (iys=1) message to it is refused by the İYS rule

async function control(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const response = await fetch(`${URL_}/_sandbox${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function wire(client) {
  // The SDK's own record of its last exchange: { payload, response, status }.
  return JSON.parse(client.debug());
}

function startWebhookReceiver() {
  const received = [];
  const server = http.createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => { raw += chunk; });
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, contentType: request.headers['content-type'], raw });
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, received, port: server.address().port }));
  });
}

async function waitFor(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function main() {
  const out = {};
  const hooks = await startWebhookReceiver();
  await control('PATCH', `/accounts/${KEY}`, { webhook_url: `http://127.0.0.1:${hooks.port}/iletimerkezi` });

  // The SDK has no base-URL option: its AxiosHttpClient keeps `baseUrl` as a (TypeScript-private) field that
  // every service reads on each call, so setting it on the client's http client points the whole SDK here.
  const client = new IletiMerkeziClient(KEY, HASH, SENDER);
  out.defaultBaseUrl = client.httpClient.baseUrl;
  client.httpClient.baseUrl = `${URL_}/v1/`;

  // Send to one number, with the SDK's defaults (iys=1, iysList=BIREYSEL): the quickstart.
  const one = await client.sms().send(CONSENTED, 'Merhaba Node');
  out.sendOne = { ok: one.ok(), status: one.getStatusCode(), orderId: one.getOrderId(), wire: wire(client) };

  // Send to several numbers (one consented, one without consent).
  const several = await client.sms().send([CONSENTED, NO_CONSENT], 'Kampanya: %20 indirim');
  out.sendSeveral = { ok: several.ok(), orderId: several.getOrderId(), wire: wire(client) };

  // A different text per number (the SDK's object form: several message objects in one order).
  const perNumber = await client.sms().send({ [CONSENTED]: 'Birinci metin', 5301234568: 'İkinci metin' });
  out.sendPerNumber = { ok: perNumber.ok(), orderId: perNumber.getOrderId(), wire: wire(client) };

  // Report with paging: 2,001 recipients are three pages of at most 1,000 (the SDK's fixed rowCount).
  // 5302000100 to 5302002100: none ends in the sandbox's magic 0001 or 0002, so all are delivered.
  const numbers = Array.from({ length: 2001 }, (_, i) => `530${2000100 + i}`);
  const big = await client.sms().disableIysConsent().send(numbers, 'Sayfalı rapor');
  out.sendBig = { ok: big.ok(), orderId: big.getOrderId(), iysSent: wire(client).payload.request.order.iys };
  await control('POST', '/carrier/settle', {});
  const reports = client.reports();
  out.pages = [];
  let page = await reports.get(Number(big.getOrderId()));
  for (;;) {
    out.pages.push({
      page: page.getCurrentPage(), ok: page.ok(), rows: page.getMessageCount(), total: page.getTotal(),
      delivered: page.getDelivered(), status: page.getOrderStatus(), statusCode: page.getOrderStatusCode(),
      totalPages: page.getTotalPages(), hasMorePages: page.hasMorePages(),
      first: page.getMessages()[0] ? page.getMessages()[0].number : null,
    });
    if (page.getMessageCount() === 0 || out.pages.length === 4) break;
    page = await reports.next();
  }

  // The report of the first send, settled.
  const report = await client.reports().get(Number(one.getOrderId()));
  out.reportOne = {
    ok: report.ok(), status: report.getOrderStatus(), delivered: report.getDelivered(),
    messageStatus: report.getMessageStatus(0), json: report.toJSON(),
  };
  const reportSeveral = await client.reports().get(Number(several.getOrderId()));
  out.reportSeveral = reportSeveral.toJSON().order.messages;

  // Cancel: the SDK has no cancel method; its own http client still posts the documented body.
  out.sdkHasCancel = typeof client.sms().cancel === 'function';
  const later = await client.sms().schedule('01/01/2099 10:00').send(CONSENTED, 'Yarın');
  const laterId = later.getOrderId();
  await client.httpClient.post('cancel-order/json', {
    request: { authentication: { key: KEY, hash: HASH }, order: { id: laterId } },
  });
  out.cancel = { scheduledOk: later.ok(), orderId: laterId, status: client.httpClient.getStatusCode(),
                 body: client.httpClient.getBody() };
  const cancelled = await client.reports().get(Number(laterId));
  out.cancelledReport = { ok: cancelled.ok(), code: cancelled.getErrorCode(), status: cancelled.getStatusCode(),
                          orderStatus: cancelled.getOrderStatus() };

  // Balance and senders.
  const balance = await client.account().balance();
  out.balance = { ok: balance.ok(), credits: balance.getCredits(), amount: balance.getAmount(), wire: wire(client) };
  const senders = await client.senders().list();
  out.senders = { ok: senders.ok(), senders: senders.getSenders() };

  // Blacklist: add two numbers, list, remove one.
  const added = await client.blacklist().add(['5301112233', '5301112244']);
  out.blacklistAdd = { ok: added.ok(), wire: wire(client) };
  const listed = await client.blacklist().list();
  out.blacklistList = { ok: listed.ok(), count: listed.getCount(), numbers: listed.getNumbers(),
                        hasMorePages: listed.hasMorePages() };
  const removed = await client.blacklist().remove('5301112233');
  out.blacklistRemove = { ok: removed.ok(), wire: wire(client) };
  const missing = await client.blacklist().remove('5301112233');
  out.blacklistRemoveAgain = { ok: missing.ok(), status: missing.getStatusCode(), code: missing.getErrorCode(),
                               message: missing.getMessage() };

  // Order summaries (get-reports) over today.
  const today = (await control('GET', '/clock')).now.slice(0, 10);
  const summary = await client.summary().list(today, today);
  out.summary = {
    ok: summary.ok(), count: summary.getCount(), totalPages: summary.getTotalPages(),
    orders: summary.getOrders().map((order) => ({ id: order.getId(), status: order.getStatus(),
                                                  total: order.getTotal(), delivered: order.getDelivered() })),
  };

  // Errors: wrong credentials.
  const wrong = new IletiMerkeziClient(KEY, 'not-the-hash', SENDER);
  wrong.httpClient.baseUrl = `${URL_}/v1/`;
  const refused = await wrong.account().balance();
  out.wrongHash = { ok: refused.ok(), status: refused.getStatusCode(), code: refused.getErrorCode(),
                    message: refused.getMessage() };

  // A 503 (an injected fault): axios accepts only statuses below 500, so the SDK throws instead of answering.
  await control('PUT', '/faults', { rules: [{ endpoint: 'get-balance', fault: 'status_503', times: 1 }] });
  try {
    const answered = await client.account().balance();
    out.fault503 = { threw: false, status: answered.getStatusCode() };
  } catch (error) {
    out.fault503 = { threw: true, name: error.name, status: error.response ? error.response.status : null,
                     body: error.response ? error.response.data : null };
  }

  // Webhooks the sandbox pushed for the first order: accepted, then delivered.
  const firstId = String(one.getOrderId());
  const forFirst = () => hooks.received.filter((hook) => {
    try { return String(JSON.parse(hook.raw).report.packet_id) === firstId; } catch { return false; }
  });
  out.webhooksArrived = await waitFor(() => forFirst().length >= 2, 15000);
  out.webhooks = forFirst().map((hook) => ({
    method: hook.method, url: hook.url, contentType: hook.contentType, raw: hook.raw,
    // What the SDK's parser makes of the body the sandbox really sent ...
    sdk: new WebhookReport(JSON.parse(hook.raw)).toJSON(),
    // ... and of its `report` object.
    sdkOfReport: new WebhookReport(JSON.parse(hook.raw).report).toJSON(),
  }));

  hooks.server.close();
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
