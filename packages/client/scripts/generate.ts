// Writes the two descriptions of the API that come from the server's router, so neither is kept by
// hand: `src/procedures.generated.ts` (every procedure's kind, input and output as plain types, from
// the TypeScript checker: what @genie/client's types are built on, with no server type inside) and
// `docs/api.md` (the reference: every procedure with its input and output as JSON Schema, from zod 4's
// JSON Schema export). With `--check` it writes nothing and fails when either file is out of date.
// Usage: pnpm api:generate   (CI: pnpm api:check)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { z } from "zod";
import { appRouter } from "../../../apps/server/src/routers/_app";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER_DIR = path.join(ROOT, "apps/server");
const TYPES_FILE = path.join(ROOT, "packages/client/src/procedures.generated.ts");
const DOCS_FILE = path.join(ROOT, "docs/api.md");
const BIOME = path.join(ROOT, "node_modules/.bin/biome");

type Kind = "query" | "mutation" | "subscription";
type Procedure = {
  path: string;
  kind: Kind;
  inputs: z.ZodType[];
  output: z.ZodType | undefined;
  description: string;
};

/** Every procedure of the router, in the router's order, with its zod schemas. */
function proceduresOf(): Procedure[] {
  const described = describedProcedures();
  return Object.entries(appRouter._def.procedures).map(([procedurePath, procedure]) => {
    const def = (procedure as unknown as { _def: { type: Kind; inputs: z.ZodType[]; output?: z.ZodType } })
      ._def;
    return {
      path: procedurePath,
      kind: def.type,
      inputs: def.inputs,
      output: def.output,
      description: described.get(procedurePath) ?? "",
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Types: what inferRouterInputs/Outputs say of each procedure, printed out in full (no name of a
// server, Prisma or zod type survives), so the client's types need nothing but this file.

function checkerTypes() {
  const probe = path.join(SERVER_DIR, "src/__api_probe__.ts");
  const source = [
    'import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";',
    'import type { AppRouter } from "./routers/_app";',
    "export type Inputs = inferRouterInputs<AppRouter>;",
    "export type Outputs = inferRouterOutputs<AppRouter>;",
  ].join("\n");
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(SERVER_DIR, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("apps/server/tsconfig.json could not be read");
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (file, language, ...rest) =>
    file === probe
      ? ts.createSourceFile(file, source, language)
      : getSourceFile.call(host, file, language, ...rest);
  host.fileExists = (file) => file === probe || fileExists.call(host, file);
  const program = ts.createProgram([probe], config.options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(probe);
  const module = file && checker.getSymbolAtLocation(file);
  if (!module) throw new Error("the probe module did not compile");
  const exported = (name: string) => {
    const symbol = checker.getExportsOfModule(module).find((s) => s.name === name);
    if (!symbol) throw new Error(`the probe exports no ${name}`);
    return checker.getDeclaredTypeOfSymbol(symbol);
  };
  const at = (type: ts.Type, procedurePath: string) => {
    let current = type;
    for (const key of procedurePath.split(".")) {
      const property = checker.getPropertyOfType(current, key);
      if (!property) throw new Error(`${procedurePath}: no type for ${key}`);
      current = checker.getTypeOfSymbol(property);
    }
    return current;
  };
  const inputs = exported("Inputs");
  const outputs = exported("Outputs");
  return {
    input: (procedurePath: string) => printType(checker, at(inputs, procedurePath)),
    output: (procedurePath: string) => printType(checker, at(outputs, procedurePath)),
  };
}

/** A type written out structurally, the way a reader of the client's types wants to see it. */
function printType(checker: ts.TypeChecker, type: ts.Type, depth = 0): string {
  if (depth > 20) return "unknown";
  const print = (t: ts.Type) => printType(checker, t, depth + 1);
  const { flags } = type;
  const simple =
    ts.TypeFlags.Any |
    ts.TypeFlags.Unknown |
    ts.TypeFlags.String |
    ts.TypeFlags.Number |
    ts.TypeFlags.Boolean |
    ts.TypeFlags.BigInt |
    ts.TypeFlags.Void |
    ts.TypeFlags.Undefined |
    ts.TypeFlags.Null |
    ts.TypeFlags.Never |
    ts.TypeFlags.Literal |
    ts.TypeFlags.BooleanLiteral;
  if (flags & simple) return checker.typeToString(type);
  if (type.isUnion()) {
    const members = type.types;
    const hasBoolean =
      members.some((t) => checker.typeToString(t) === "true") &&
      members.some((t) => checker.typeToString(t) === "false");
    const printed = members
      .filter((t) => !(hasBoolean && t.flags & ts.TypeFlags.BooleanLiteral))
      .map((t) => wrap(print(t)));
    return [...(hasBoolean ? ["boolean"] : []), ...printed].join(" | ");
  }
  if (type.isIntersection()) return type.types.map((t) => wrap(print(t))).join(" & ");
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    return `${wrap(element ? print(element) : "unknown")}[]`;
  }
  if (checker.isTupleType(type)) {
    return `[${checker
      .getTypeArguments(type as ts.TypeReference)
      .map(print)
      .join(", ")}]`;
  }
  if (type.getSymbol()?.getName() === "Date") return "Date";
  if (flags & ts.TypeFlags.Object) {
    const parts: string[] = [];
    const index = checker.getIndexInfosOfType(type);
    for (const info of index)
      parts.push(`[key: ${checker.typeToString(info.keyType)}]: ${print(info.type)};`);
    for (const property of checker.getPropertiesOfType(type)) {
      const optional = property.flags & ts.SymbolFlags.Optional ? "?" : "";
      const name = /^[A-Za-z_$][\w$]*$/.test(property.name) ? property.name : JSON.stringify(property.name);
      parts.push(`${name}${optional}: ${print(checker.getTypeOfSymbol(property))};`);
    }
    return `{ ${parts.join(" ")} }`;
  }
  return checker.typeToString(type);
}

const wrap = (text: string) => (/[|&]/.test(text) && !/^[{[(]/.test(text) ? `(${text})` : text);

/** The generated type module: one nested entry per procedure. */
function typesModule(procedures: Procedure[]): string {
  const types = checkerTypes();
  type Tree = { [key: string]: Tree | string };
  const tree: Tree = {};
  // Subscriptions (the dashboard's live log over SSE) are left out: the client has no SSE link, and a
  // key's stream would have no session to re-check.
  for (const procedure of procedures.filter((p) => p.kind !== "subscription")) {
    const keys = procedure.path.split(".");
    let node = tree;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Tree;
    }
    const doc = procedure.description ? `/** ${procedure.description} */\n` : "";
    node[keys.at(-1) as string] =
      `${doc}{ kind: "${procedure.kind}"; input: ${types.input(procedure.path)}; output: ${types.output(procedure.path)} }`;
  }
  const render = (node: Tree): string =>
    `{ ${Object.entries(node)
      .map(([key, value]) => {
        if (typeof value !== "string") return `${key}: ${render(value)};`;
        const doc = value.startsWith("/**") ? value.slice(0, value.indexOf("\n") + 1) : "";
        return `${doc}${key}: ${value.slice(doc.length)};`;
      })
      .join("\n")} }`;
  return [
    "// Generated by packages/client/scripts/generate.ts from the server's router: do not edit.",
    "// Run `pnpm api:generate` after changing a procedure; CI fails while this file is out of date.",
    '// biome-ignore-all lint/suspicious/noConfusingVoidType: `void` is what tRPC infers for "no input".',
    "",
    "/** Every procedure of the Genie API: its kind, what it takes and what it answers (JSON, dates as ISO strings). */",
    `export type Procedures = ${render(tree)};`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------
// The reference: zod 4's JSON Schema export of each procedure's input and output.

/** Dates leave the server as ISO strings (timestampSchema): say so instead of giving up on them. */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): unknown {
  return z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      const def = (
        zodSchema as unknown as { _zod: { def: { type: string; in?: { _zod: { def: { type: string } } } } } }
      )._zod.def;
      if (def.type === "date" || (def.type === "pipe" && def.in?._zod.def.type === "date")) {
        for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Record<string, unknown>)[key];
        Object.assign(jsonSchema, { type: "string", format: "date-time" });
      }
    },
  });
}

function docsOf(procedures: Procedure[]): string {
  const groups = new Map<string, Procedure[]>();
  for (const procedure of procedures) {
    const group = procedure.path.split(".")[0] as string;
    groups.set(group, [...(groups.get(group) ?? []), procedure]);
  }
  const lines = [
    "# Genie API reference",
    "",
    "<!-- Generated by packages/client/scripts/generate.ts from the server's router and its zod schemas:",
    "     do not edit. `pnpm api:generate` rewrites it; CI (`pnpm api:check`) fails while it is out of date. -->",
    "",
    "Every procedure the dashboard calls, callable with an API key through [`@genie/client`](../packages/client/README.md)",
    "or plain HTTP: a query is `GET /trpc/<procedure>?input=<JSON>`, a mutation is `POST /trpc/<procedure>`",
    "with the input as the JSON body, both with `Authorization: Bearer <key>`. Answers are",
    '`{"result":{"data":…}}`, refusals `{"error":{"message":…,"data":{"code":…,"httpStatus":…,"reason":…}}}`.',
    "",
    "- A `read` key may call queries only; `account.*` and `apiKeys.*` take the dashboard's sign-in, never a key.",
    "- `endpoints.create`, `funnels.create` and `funnels.pages.create` accept an `Idempotency-Key` header:",
    "  a repeat within 24 hours answers with what the first call made instead of making another.",
    "- Dates are ISO 8601 strings in both directions.",
    "",
    "## Procedures",
    "",
  ];
  for (const [group, members] of groups) {
    lines.push(`- **${group}**: ${members.map((p) => `[\`${p.path}\`](#${anchorOf(p.path)})`).join(", ")}`);
  }
  for (const [group, members] of groups) {
    lines.push("", `## ${group}`);
    for (const procedure of members) {
      lines.push(
        "",
        `### ${procedure.path}`,
        "",
        `${procedure.kind}${procedure.description ? `: ${procedure.description}` : ""}`,
      );
      const input = procedure.inputs.length ? mergedInput(procedure.inputs) : undefined;
      lines.push("", "Input:", "", ...jsonBlock(input ? jsonSchemaOf(input, "input") : "none"));
      lines.push(
        "",
        "Output:",
        "",
        ...jsonBlock(procedure.output ? jsonSchemaOf(procedure.output, "output") : "not declared"),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

const anchorOf = (procedurePath: string) => procedurePath.toLowerCase().replace(/[^a-z0-9]+/g, "");

function mergedInput(inputs: z.ZodType[]): z.ZodType {
  return inputs.reduce((all, next) => z.intersection(all, next));
}

function jsonBlock(value: unknown): string[] {
  if (typeof value === "string") return [`_${value}_`];
  const { $schema: _, ...rest } = value as Record<string, unknown>;
  return ["```json", JSON.stringify(rest, null, 2), "```"];
}

// ---------------------------------------------------------------------------------------------------
// Descriptions: the JSDoc line above each procedure in apps/server/src/routers/*.ts.

function describedProcedures(): Map<string, string> {
  const found = new Map<string, string>();
  const routersDir = path.join(SERVER_DIR, "src/routers");
  const app = readFileSync(path.join(routersDir, "_app.ts"), "utf8");
  // `endpoints: endpointsRouter,` with `import { endpointsRouter } from "./endpoints";`
  for (const [, group, routerName] of app.matchAll(/^\s+(\w+): (\w+),$/gm)) {
    const file = new RegExp(`import \\{ ${routerName} \\} from "\\./([\\w-]+)"`).exec(app)?.[1];
    if (!file || !group) continue;
    const source = ts.createSourceFile(
      file,
      readFileSync(path.join(routersDir, `${file}.ts`), "utf8"),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node, prefix: string) => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) {
        const here = `${prefix}.${node.name.text}`;
        const docs = ts
          .getJSDocCommentsAndTags(node)
          .map((d) => (typeof d.comment === "string" ? d.comment : ""))
          .join(" ")
          .replace(/\s+/g, " ")
          .trim();
        if (docs) found.set(here, docs);
        const call = node.initializer;
        if (
          ts.isCallExpression(call) &&
          ts.isIdentifier(call.expression) &&
          call.expression.text === "router"
        ) {
          for (const argument of call.arguments) visit(argument, here);
          return;
        }
        return;
      }
      ts.forEachChild(node, (child) => visit(child, prefix));
    };
    visit(source, group);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------

function formatted(file: string, text: string): string {
  const result = spawnSync(BIOME, ["format", `--stdin-file-path=${file}`], { input: text, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`biome could not format ${file}: ${result.stderr}`);
  return result.stdout;
}

const procedures = proceduresOf();
const outputs: [string, string][] = [
  [TYPES_FILE, formatted(TYPES_FILE, typesModule(procedures))],
  [DOCS_FILE, formatted(DOCS_FILE, docsOf(procedures))],
];
const check = process.argv.includes("--check");
let stale = 0;
for (const [file, text] of outputs) {
  const relative = path.relative(ROOT, file);
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {}
  if (current === text) {
    console.log(`${relative}: up to date`);
  } else if (check) {
    stale += 1;
    console.error(`${relative}: out of date with the router; run \`pnpm api:generate\` and commit it`);
  } else {
    writeFileSync(file, text);
    console.log(`${relative}: written`);
  }
}
process.exit(stale ? 1 : 0);
