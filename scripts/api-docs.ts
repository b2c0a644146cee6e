/**
 * docs/api.md: the library's public surface as a library user meets it. The sections and their
 * order are sdk/index.ts's own (each `//` comment above an export starts one); each name gets its
 * kind, the first sentence of its doc comment and the file that defines it. The TypeScript
 * checker follows the re-exports, so what is listed is exactly what `import ... from 'arcedge'`
 * gives (test/public-surface.json pins the same names).
 */
import { relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const INDEX = `${root}sdk/index.ts`;

interface Section {
  /** The comment above the section's first export, as one paragraph. */
  comment: string;
  names: string[];
}

/** sdk/index.ts's export statements in order, grouped under the `//` comment that opens each group. */
function sections(file: ts.SourceFile): Section[] {
  const out: Section[] = [];
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) continue;
    const comments = (ts.getLeadingCommentRanges(file.text, statement.pos) ?? [])
      .map((range) => file.text.slice(range.pos, range.end))
      .filter((text) => text.startsWith('//'))
      .map((text) => text.replace(/^\/\/\s?/, '').trim());
    if (comments.length > 0 || out.length === 0) out.push({ comment: comments.join(' '), names: [] });
    out.at(-1)!.names.push(...statement.exportClause.elements.map((element) => element.name.text));
  }
  return out;
}

/** A short heading from a section comment: its text before the first ':', '(' or '.'. */
function heading(comment: string): string {
  return comment.split(/[:(.]/)[0]!.replace(/,\s*$/, '').trim();
}

/**
 * The first sentence of the declaration's own doc comment (the JSDoc right above it). Without
 * one, a type that only names another export says so: `z.infer<typeof XSchema>` is what XSchema
 * parses, `(typeof XS)[number]` one of XS's values.
 */
function summary(declaration: ts.Declaration, checker: ts.TypeChecker): string {
  const own = docSentence(declaration);
  if (own || !ts.isTypeAliasDeclaration(declaration)) return own;
  const type = declaration.type;
  if (ts.isTypeReferenceNode(type) && /^z\.(infer|output)$/.test(type.typeName.getText()) && type.typeArguments?.length === 1) {
    const argument = type.typeArguments[0]!;
    if (ts.isTypeQueryNode(argument)) {
      const schema = checker.getSymbolAtLocation(argument.exprName);
      const target = schema && schema.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(schema) : schema;
      const schemaDoc = target?.declarations?.[0] ? docSentence(target.declarations[0]) : '';
      return `What \`${argument.exprName.getText()}\` parses${schemaDoc ? `: ${schemaDoc.charAt(0).toLowerCase()}${schemaDoc.slice(1)}` : '.'}`;
    }
  }
  if (ts.isIndexedAccessTypeNode(type) && ts.isParenthesizedTypeNode(type.objectType) && ts.isTypeQueryNode(type.objectType.type) && type.indexType.getText() === 'number') {
    return `One of \`${type.objectType.type.exprName.getText()}\`.`;
  }
  return '';
}

function docSentence(declaration: ts.Declaration): string {
  // A file's header comment sits above its first statement too; it describes the file, not this name.
  const file = declaration.getSourceFile();
  const isFileHeader = (doc: ts.JSDoc): boolean => file.text.slice(0, doc.getStart(file)).trim() === '';
  const docs = ts.getJSDocCommentsAndTags(declaration).filter((doc): doc is ts.JSDoc => ts.isJSDoc(doc) && !isFileHeader(doc));
  const comment = ts.getTextOfJSDocComment(docs.at(-1)?.comment) ?? '';
  // The first paragraph, up to a list that starts in it ("...: - 'drop': ...").
  const [first, list] = comment.split(/\n\s*\n/)[0]!.split(/:\s*\n\s*- /);
  const paragraph = `${first!.replace(/\s+/g, ' ').trim()}${list === undefined ? '' : '.'}`;
  // A sentence ends at '.', '!' or '?' followed by a capital or the end ("e.g. x" goes on).
  return paragraph.match(/^.+?[.!?](?=\s+[A-Z`]|$)/)?.[0] ?? paragraph;
}

function kind(declaration: ts.Declaration): string {
  if (ts.isFunctionDeclaration(declaration)) return 'function';
  if (ts.isClassDeclaration(declaration)) return 'class';
  if (ts.isInterfaceDeclaration(declaration)) return 'interface';
  if (ts.isTypeAliasDeclaration(declaration)) return 'type';
  if (ts.isEnumDeclaration(declaration)) return 'enum';
  if (ts.isVariableDeclaration(declaration)) {
    const init = declaration.initializer;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? 'function' : 'constant';
  }
  return ts.SyntaxKind[declaration.kind];
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function apiMarkdown(): string {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(INDEX)!;
  const exported = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).map((symbol) => [symbol.name, symbol]));
  const lines = [
    '# Public API',
    '',
    '<!-- generated by `npm run docs` from sdk/index.ts and the doc comments of what it exports; do not edit by hand -->',
    '',
    "Everything `import { ... } from 'arcedge'` gives, in the sections of `sdk/index.ts`; nothing",
    'else is API. `test/public-surface.json` pins the same list, so a change to it is deliberate.',
    "Each name links to the file that defines it; the summary is the first sentence of its doc",
    'comment. Errors: [errors.md](errors.md). The agent and the CLI use a second entry,',
    "`sdk/internal.ts`, that is not part of the library.",
  ];
  for (const section of sections(file)) {
    const title = heading(section.comment);
    // "Errors: every failure ..." under the heading "Errors" reads "Every failure ...".
    const rest = section.comment.startsWith(`${title}:`) ? section.comment.slice(title.length + 1).trim() : section.comment;
    const paragraph = rest.charAt(0).toUpperCase() + rest.slice(1);
    lines.push('', `## ${title}`, '', paragraph, '', '| name | kind | summary |', '|---|---|---|');
    for (const name of section.names) {
      const symbol = exported.get(name);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target?.declarations?.[0];
      if (!declaration) throw new Error(`sdk/index.ts exports ${name}, but its declaration was not found`);
      const path = relative(`${root}docs`, declaration.getSourceFile().fileName);
      lines.push(`| [\`${name}\`](${path}) | ${kind(declaration)} | ${cell(summary(declaration, checker))} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
