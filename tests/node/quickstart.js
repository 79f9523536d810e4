// The official Node SDK's quickstart (its README's `client.sms().send(number, text)`, with the SDK's defaults:
// iys=1, iysList=BIREYSEL) on the sandbox's demo account, as a newcomer would run it first.
// Environment: ILETI_URL, ILETI_API_KEY, ILETI_API_HASH (the demo account). Prints one JSON document.
'use strict';

const { IletiMerkeziClient } = require('@iletimerkezi/iletimerkezi-node');

async function main() {
  const client = new IletiMerkeziClient(process.env.ILETI_API_KEY, process.env.ILETI_API_HASH, 'ILETIDEMO');
  client.httpClient.baseUrl = `${process.env.ILETI_URL}/v1/`; // the SDK has no base-URL option
  const out = {};
  for (const [name, number] of [['anyNumber', '5051234567'], ['testNumber', '5300000000']]) {
    const response = await client.sms().send(number, 'Mesaj');
    out[name] = { ok: response.ok(), orderId: response.getOrderId(), message: response.getMessage(),
                  iys: JSON.parse(client.debug()).payload.request.order.iys };
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
