// Generates `generated/schema.d.ts` from openapi.yaml with openapi-typescript — what its CLI
// does, with the one option its CLI lacks: `format: binary` becomes `Blob` (openapi-typescript's
// documented transform for file uploads, https://openapi-ts.dev/node#example-blob-types). Without
// it a file part is typed `string`, and an app could pass a `File` from `<input type=file>` only
// through a cast. The generated code is not edited.
//
// Usage: node typescript/generate.mjs <openapi.yaml> <output .d.ts>
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import openapiTS, { COMMENT_HEADER, astToString } from "openapi-typescript";

const [document, output] = process.argv.slice(2);
if (!document || !output) {
  throw new Error("usage: node typescript/generate.mjs <openapi.yaml> <output .d.ts>");
}

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());

const ast = await openapiTS(pathToFileURL(path.resolve(document)), {
  transform(schema) {
    if (schema.format === "binary") {
      return schema.nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
    }
    return undefined;
  },
});
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output, `${COMMENT_HEADER}${astToString(ast)}`);
