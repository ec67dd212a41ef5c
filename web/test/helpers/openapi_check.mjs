// Compares TypeScript interfaces (read with the TypeScript compiler's type checker, so aliases,
// unions, optional fields and nested types are resolved as tsc sees them) with OpenAPI 3 schemas.
//
// Rules, for a TypeScript type T and a schema S:
//   - unknown/any in T, or S without a type (free-form), always agree;
//   - the non-null kinds must be the same (string, number = number|integer, boolean, array, object);
//   - S nullable: T must admit null (T may admit null where S does not: the page is defensive);
//   - S enum and T a union of literals: the same values;
//   - arrays: their items agree;
//   - objects: every property T declares exists in S.properties and agrees; every property S
//     lists in `required` is a required (not optional) property of T; a T index signature agrees
//     with S.additionalProperties. S without properties is free-form (noted, not an error).
// Errors name the field by its path from the interface, e.g. "Task.metrics.model.path".
// Notes (not errors): properties S has and T does not declare, properties T requires that S does
// not mark required, and objects S leaves free-form while T declares their fields.
import ts from "typescript";

/** The object at a JSON pointer ("#/components/schemas/Task") of the document. */
export function pointer(doc, ref) {
  if (!ref.startsWith("#")) throw new Error(`only local $refs: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === undefined || node === null || !(key in node)) throw new Error(`${ref}: no "${key}"`);
    node = node[key];
  }
  return node;
}

function deref(doc, schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 32; i++) s = pointer(doc, s.$ref);
  return s;
}

/**
 * A program over `files` (strict, ES2022 without the DOM library: the JSON types need none, and a
 * type that does not resolve is reported, never taken as any); its exported interfaces and aliases.
 */
export function loadTypes(files, compilerOptions = {}) {
  const options = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], types: [], ...compilerOptions };
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  const types = new Map();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`cannot read ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    for (const sym of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      if (sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) types.set(sym.getName(), checker.getDeclaredTypeOfSymbol(sym));
    }
  }
  return { checker, types };
}

/** The kinds of a TypeScript type: { any, nullable, kinds:Set, literals:Set|null, parts:{array:[], object:[]} }. */
function shapeOf(checker, type) {
  const out = { any: false, unresolved: false, nullable: false, kinds: new Set(), literals: new Set(), openString: false, arrays: [], objects: [] };
  for (const t of type.isUnion() ? type.types : [type]) {
    const f = t.flags;
    if (f & ts.TypeFlags.Any && t.intrinsicName === "error") out.unresolved = true;
    else if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) out.any = true;
    else if (f & ts.TypeFlags.Null) out.nullable = true;
    else if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) continue;
    else if (f & ts.TypeFlags.StringLiteral) {
      out.kinds.add("string");
      out.literals.add(t.value);
    } else if (f & ts.TypeFlags.StringLike) {
      out.kinds.add("string");
      out.openString = true;
    } else if (f & ts.TypeFlags.NumberLike) out.kinds.add("number");
    else if (f & ts.TypeFlags.BooleanLike) out.kinds.add("boolean");
    else if (checker.isArrayType(t)) {
      out.kinds.add("array");
      out.arrays.push(checker.getTypeArguments(t)[0]);
    } else if (f & ts.TypeFlags.Object) {
      out.kinds.add("object");
      out.objects.push(t);
    } else out.kinds.add(checker.typeToString(t));
  }
  return out;
}

const SCHEMA_KIND = { string: "string", number: "number", integer: "number", boolean: "boolean", array: "array", object: "object" };

function describeSchema(s) {
  return `${s.type}${s.enum ? ` (${s.enum.join(" | ")})` : ""}${s.nullable ? ", nullable" : ""}`;
}

class Comparison {
  constructor(checker, doc) {
    this.checker = checker;
    this.doc = doc;
    this.errors = [];
    this.notes = [];
  }

  compare(name, type, rawSchema, depth = 0) {
    const schema = deref(this.doc, rawSchema);
    if (depth > 24 || !schema || schema.type === undefined) return;
    const shape = shapeOf(this.checker, type);
    if (shape.unresolved) {
      this.errors.push(`${name}: its TypeScript type does not resolve (${this.checker.typeToString(type)})`);
      return;
    }
    if (shape.any) return;
    const tsText = this.checker.typeToString(type);
    const want = SCHEMA_KIND[schema.type];
    const extra = [...shape.kinds].filter((k) => k !== want);
    if (!shape.kinds.has(want) || extra.length) {
      this.errors.push(`${name}: TypeScript says ${tsText}, OpenAPI says ${describeSchema(schema)}`);
      return;
    }
    if (schema.nullable && !shape.nullable) this.errors.push(`${name}: OpenAPI says it can be null, TypeScript (${tsText}) does not admit null`);
    if (want === "string") this.compareEnum(name, shape, schema);
    if (want === "array") for (const item of shape.arrays) this.compare(`${name}[]`, item, schema.items ?? {}, depth + 1);
    if (want === "object") for (const obj of shape.objects) this.compareObject(name, obj, schema, depth);
  }

  compareEnum(name, shape, schema) {
    if (shape.openString) return; // a plain string takes any value the server sends
    const ts = [...shape.literals].sort();
    if (!schema.enum) {
      this.errors.push(`${name}: TypeScript allows only ${ts.join(" | ")}, OpenAPI does not restrict the values`);
      return;
    }
    const missing = schema.enum.filter((v) => !shape.literals.has(v));
    const unknown = ts.filter((v) => !schema.enum.includes(v));
    if (missing.length) this.errors.push(`${name}: OpenAPI allows ${missing.join(", ")}, missing from the TypeScript type`);
    if (unknown.length) this.errors.push(`${name}: TypeScript allows ${unknown.join(", ")}, not in the OpenAPI enum`);
  }

  compareObject(name, type, schema, depth) {
    const props = this.checker.getPropertiesOfType(type);
    const index = this.checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
    this.compareIndex(name, index, schema, depth);
    if (!schema.properties) {
      if (props.length) this.notes.push(`${name}: OpenAPI leaves it free-form; TypeScript declares ${props.map((p) => p.getName()).join(", ")}`);
      return;
    }
    const required = new Set(schema.required ?? []);
    const declared = new Set();
    for (const prop of props) {
      const key = prop.getName();
      declared.add(key);
      const optional = Boolean(prop.flags & ts.SymbolFlags.Optional);
      if (!(key in schema.properties)) {
        this.errors.push(`${name}.${key}: declared in TypeScript, not in the OpenAPI schema`);
        continue;
      }
      if (required.has(key) && optional) this.errors.push(`${name}.${key}: required in OpenAPI, optional in TypeScript`);
      if (!required.has(key) && !optional) this.notes.push(`${name}.${key}: required in TypeScript, not marked required in OpenAPI`);
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      this.compare(`${name}.${key}`, this.checker.getTypeOfSymbolAtLocation(prop, decl), schema.properties[key], depth + 1);
    }
    for (const key of required) if (!declared.has(key)) this.errors.push(`${name}.${key}: required in OpenAPI, missing from TypeScript`);
    for (const key of Object.keys(schema.properties)) {
      if (!declared.has(key) && !required.has(key) && !index) this.notes.push(`${name}.${key}: in OpenAPI, not declared in TypeScript`);
    }
  }

  compareIndex(name, index, schema, depth) {
    if (!index) return;
    const extra = schema.additionalProperties;
    if (extra === false) this.errors.push(`${name}: TypeScript takes any key, OpenAPI allows no additional properties`);
    else if (extra && typeof extra === "object") this.compare(`${name}[key]`, index.type, extra, depth + 1);
  }
}

/** Compares one TypeScript type with one schema; { errors: string[], notes: string[] }. */
export function compareType(checker, doc, name, type, schema) {
  const c = new Comparison(checker, doc);
  c.compare(name, type, schema);
  return { errors: c.errors, notes: c.notes };
}
