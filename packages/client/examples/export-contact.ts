// Exports everything Genie holds about one contact (a data-access request), as JSON on stdout.
// Run: GENIE_URL=https://genie.example.com GENIE_API_KEY=gk_… npx tsx export-contact.ts lead@example.com
import { createGenieClient } from "@genie/client";

const email = process.argv[2];
if (!email) throw new Error("Usage: node export-contact.ts <email>");
const genie = createGenieClient({
  baseUrl: process.env.GENIE_URL ?? "http://127.0.0.1:3000",
  apiKey: process.env.GENIE_API_KEY ?? "",
});

const { items } = await genie.contacts.list.query({ search: email });
const matches = items.filter((contact) => contact.email.toLowerCase() === email.toLowerCase());
const exports = await Promise.all(matches.map(({ id }) => genie.contacts.export.query({ id })));
console.log(JSON.stringify(exports, null, 2));
