// yaml.v3's parser and node composer over the tokenizer in yaml-scan.ts: the same grammar, the same errors, and the
// same head/line/foot comments on each node, so that what sops builds from a document is what we build.
import { Scanner, YamlSyntaxError, checkPrintable, type CommentRec, type Mark, type ScalarStyle, type Token, type TokenType } from './yaml-scan.js';

export type NodeKind = 'document' | 'mapping' | 'sequence' | 'scalar' | 'alias';

/** A yaml.v3 Node: kind, resolved short tag, value, style, position and comments. */
export interface YNode {
  kind: NodeKind;
  tag: string;
  value: string;
  /** Scalar style as written; `tagged` when an explicit tag other than `!` was given. */
  style: ScalarStyle | undefined;
  tagged: boolean;
  flow: boolean;
  anchor: string;
  alias: YNode | undefined;
  content: YNode[];
  line: number;
  column: number;
  /** Offset of the node's first character in the source string. */
  pos: number;
  head: string;
  lineComment: string;
  foot: string;
}

type EventType =
  | 'stream-start'
  | 'stream-end'
  | 'document-start'
  | 'document-end'
  | 'alias'
  | 'scalar'
  | 'sequence-start'
  | 'sequence-end'
  | 'mapping-start'
  | 'mapping-end'
  | 'tail-comment';

interface YEvent {
  type: EventType;
  start: Mark;
  end: Mark;
  anchor: string;
  tag: string;
  value: string;
  implicit: boolean;
  style: ScalarStyle | 'flow' | 'block' | undefined;
  head: string;
  line: string;
  foot: string;
}

type State =
  | 'stream-start'
  | 'implicit-document-start'
  | 'document-start'
  | 'document-content'
  | 'document-end'
  | 'block-node'
  | 'block-node-or-indentless-sequence'
  | 'flow-node'
  | 'block-sequence-first-entry'
  | 'block-sequence-entry'
  | 'indentless-sequence-entry'
  | 'block-mapping-first-key'
  | 'block-mapping-key'
  | 'block-mapping-value'
  | 'flow-sequence-first-entry'
  | 'flow-sequence-entry'
  | 'flow-sequence-entry-mapping-key'
  | 'flow-sequence-entry-mapping-value'
  | 'flow-sequence-entry-mapping-end'
  | 'flow-mapping-first-key'
  | 'flow-mapping-key'
  | 'flow-mapping-value'
  | 'flow-mapping-empty-value'
  | 'end';

const DEFAULT_TAGS: [string, string][] = [
  ['!', '!'],
  ['!!', 'tag:yaml.org,2002:'],
];

function event(type: EventType, start: Mark, end: Mark, extra: Partial<YEvent> = {}): YEvent {
  return { type, start, end, anchor: '', tag: '', value: '', implicit: false, style: undefined, head: '', line: '', foot: '', ...extra };
}

class EventParser {
  private state: State = 'stream-start';
  private states: State[] = [];
  private marks: Mark[] = [];
  private tagDirectives: [string, string][] = [];
  private headComment = '';
  private lineComment = '';
  private footComment = '';
  private tailComment = '';
  private stemComment = '';
  /** A scanner error go-yaml lets pass while it makes an event: thrown instead of that event. */
  private deferred: YamlSyntaxError | undefined;
  private readonly sc: Scanner;

  constructor(src: string) {
    this.sc = new Scanner(src);
  }

  private perr(problem: string, mark: Mark, context?: string, contextMark?: Mark): never {
    throw new YamlSyntaxError(problem, mark, 'parser', contextMark, context);
  }

  private peek(): Token {
    const tok = this.sc.peek();
    this.unfoldComments(tok);
    return tok;
  }

  private skip(): void {
    this.sc.skipToken();
  }

  /** Moves the comments recorded before `tok` into the parser's pending head, line and foot comments. */
  private unfoldComments(tok: Token): void {
    const cs: CommentRec[] = this.sc.comments;
    while (this.sc.commentsHead < cs.length && tok.start.index >= cs[this.sc.commentsHead].token.index) {
      const c = cs[this.sc.commentsHead];
      if (c.head.length > 0) {
        if (tok.type === 'block-end') break;
        this.headComment = this.headComment.length > 0 ? this.headComment + '\n' + c.head : c.head;
      }
      if (c.foot.length > 0) this.footComment = this.footComment.length > 0 ? this.footComment + '\n' + c.foot : c.foot;
      if (c.line.length > 0) this.lineComment = this.lineComment.length > 0 ? this.lineComment + '\n' + c.line : c.line;
      c.head = c.line = c.foot = '';
      this.sc.commentsHead++;
    }
  }

  private takeComments(e: YEvent): YEvent {
    e.head = this.headComment;
    e.line = this.lineComment;
    e.foot = this.footComment;
    this.headComment = this.lineComment = this.footComment = this.tailComment = this.stemComment = '';
    return e;
  }

  private pop(): void {
    this.state = this.states.pop()!;
  }

  next(): YEvent {
    const e = this.step();
    // go-yaml's parser wrapper checks the error state after each event: a scanner error let pass while this one
    // was made (splitStemComment) is reported now, not the event.
    if (this.deferred) throw this.deferred;
    return e;
  }

  private step(): YEvent {
    switch (this.state) {
      case 'stream-start': {
        const t = this.peek();
        if (t.type !== 'stream-start') this.perr('did not find expected <stream-start>', t.start);
        this.state = 'implicit-document-start';
        this.skip();
        return event('stream-start', t.start, t.end);
      }
      case 'implicit-document-start':
        return this.documentStart(true);
      case 'document-start':
        return this.documentStart(false);
      case 'document-content': {
        const t = this.peek();
        if (
          t.type === 'version-directive' ||
          t.type === 'tag-directive' ||
          t.type === 'document-start' ||
          t.type === 'document-end' ||
          t.type === 'stream-end'
        ) {
          this.pop();
          return this.emptyScalar(t.start);
        }
        return this.node(true, false);
      }
      case 'document-end':
        return this.documentEnd();
      case 'block-node':
        return this.node(true, false);
      case 'block-node-or-indentless-sequence':
        return this.node(true, true);
      case 'flow-node':
        return this.node(false, false);
      case 'block-sequence-first-entry':
        return this.blockSequenceEntry(true);
      case 'block-sequence-entry':
        return this.blockSequenceEntry(false);
      case 'indentless-sequence-entry':
        return this.indentlessSequenceEntry();
      case 'block-mapping-first-key':
        return this.blockMappingKey(true);
      case 'block-mapping-key':
        return this.blockMappingKey(false);
      case 'block-mapping-value':
        return this.blockMappingValue();
      case 'flow-sequence-first-entry':
        return this.flowSequenceEntry(true);
      case 'flow-sequence-entry':
        return this.flowSequenceEntry(false);
      case 'flow-sequence-entry-mapping-key':
        return this.flowSequenceEntryMappingKey();
      case 'flow-sequence-entry-mapping-value':
        return this.flowSequenceEntryMappingValue();
      case 'flow-sequence-entry-mapping-end': {
        const t = this.peek();
        this.state = 'flow-sequence-entry';
        return event('mapping-end', t.start, t.start);
      }
      case 'flow-mapping-first-key':
        return this.flowMappingKey(true);
      case 'flow-mapping-key':
        return this.flowMappingKey(false);
      case 'flow-mapping-value':
        return this.flowMappingValue(false);
      case 'flow-mapping-empty-value':
        return this.flowMappingValue(true);
      case 'end':
        throw new Error('YAML parser used past the end of the stream');
    }
  }

  private documentStart(implicit: boolean): YEvent {
    let t = this.peek();
    if (!implicit) {
      while (t.type === 'document-end') {
        this.skip();
        t = this.peek();
      }
    }
    if (implicit && t.type !== 'version-directive' && t.type !== 'tag-directive' && t.type !== 'document-start' && t.type !== 'stream-end') {
      this.processDirectives();
      this.states.push('document-end');
      this.state = 'block-node';
      let head = '';
      const hc = this.headComment;
      if (hc.length > 0) {
        for (let i = hc.length - 1; i > 0; i--) {
          if (hc[i] === '\n') {
            if (i === hc.length - 1) {
              head = hc.slice(0, i);
              this.headComment = hc.slice(i + 1);
              break;
            } else if (hc[i - 1] === '\n') {
              head = hc.slice(0, i - 1);
              this.headComment = hc.slice(i + 1);
              break;
            }
          }
        }
      }
      return event('document-start', t.start, t.end, { head, implicit: true });
    }
    if (t.type !== 'stream-end') {
      const start = t.start;
      this.processDirectives();
      t = this.peek();
      if (t.type !== 'document-start') this.perr('did not find expected <document start>', t.start);
      this.states.push('document-end');
      this.state = 'document-content';
      const end = t.end;
      this.skip();
      return event('document-start', start, end);
    }
    this.state = 'end';
    this.skip();
    return event('stream-end', t.start, t.end);
  }

  private documentEnd(): YEvent {
    const t = this.peek();
    const start = t.start;
    let end = t.start;
    let implicit = true;
    if (t.type === 'document-end') {
      end = t.end;
      this.skip();
      implicit = false;
    }
    this.tagDirectives = [];
    this.state = 'document-start';
    const e = this.takeComments(event('document-end', start, end, { implicit }));
    if (e.head.length > 0 && e.foot.length === 0) {
      e.foot = e.head;
      e.head = '';
    }
    return e;
  }

  private processDirectives(): void {
    let version = false;
    const own: [string, string][] = [];
    let t = this.peek();
    while (t.type === 'version-directive' || t.type === 'tag-directive') {
      if (t.type === 'version-directive') {
        if (version) this.perr('found duplicate %YAML directive', t.start);
        if (t.major !== 1 || t.minor !== 1) this.perr('found incompatible YAML document', t.start);
        version = true;
      } else {
        const handle = t.value ?? '';
        if (this.tagDirectives.some(([h]) => h === handle)) this.perr('found duplicate %TAG directive', t.start);
        this.tagDirectives.push([handle, t.suffix ?? '']);
        own.push([handle, t.suffix ?? '']);
      }
      this.skip();
      t = this.peek();
    }
    for (const d of DEFAULT_TAGS) if (!this.tagDirectives.some(([h]) => h === d[0])) this.tagDirectives.push(d);
  }

  private node(block: boolean, indentlessSequence: boolean): YEvent {
    let t = this.peek();
    if (t.type === 'alias') {
      this.pop();
      const e = this.takeComments(event('alias', t.start, t.end, { anchor: t.value ?? '' }));
      this.skip();
      return e;
    }
    let start = t.start;
    let end = t.start;
    let tagToken = false;
    let handle = '';
    let suffix = '';
    let anchor = '';
    let tagMark = t.start;
    if (t.type === 'anchor') {
      anchor = t.value ?? '';
      start = t.start;
      end = t.end;
      this.skip();
      t = this.peek();
      if (t.type === 'tag') {
        tagToken = true;
        handle = t.value ?? '';
        suffix = t.suffix ?? '';
        tagMark = t.start;
        end = t.end;
        this.skip();
        t = this.peek();
      }
    } else if (t.type === 'tag') {
      tagToken = true;
      handle = t.value ?? '';
      suffix = t.suffix ?? '';
      start = tagMark = t.start;
      end = t.end;
      this.skip();
      t = this.peek();
      if (t.type === 'anchor') {
        anchor = t.value ?? '';
        end = t.end;
        this.skip();
        t = this.peek();
      }
    }
    let tag = '';
    if (tagToken) {
      if (handle.length === 0) tag = suffix;
      else {
        const d = this.tagDirectives.find(([h]) => h === handle);
        if (d) tag = d[1] + suffix;
        if (tag.length === 0) this.perr('found undefined tag handle', tagMark, 'while parsing a node', start);
      }
    }
    const implicit = tag.length === 0;
    if (indentlessSequence && t.type === 'block-entry') {
      end = t.end;
      this.state = 'indentless-sequence-entry';
      return event('sequence-start', start, end, { anchor, tag, implicit, style: 'block' });
    }
    if (t.type === 'scalar') {
      end = t.end;
      const plainImplicit = (tag.length === 0 && t.style === 'plain') || tag === '!';
      this.pop();
      const e = this.takeComments(
        event('scalar', start, end, { anchor, tag, value: t.value ?? '', implicit: plainImplicit, style: t.style }),
      );
      this.skip();
      return e;
    }
    if (t.type === 'flow-sequence-start') {
      this.state = 'flow-sequence-first-entry';
      return this.takeComments(event('sequence-start', start, t.end, { anchor, tag, implicit, style: 'flow' }));
    }
    if (t.type === 'flow-mapping-start') {
      this.state = 'flow-mapping-first-key';
      return this.takeComments(event('mapping-start', start, t.end, { anchor, tag, implicit, style: 'flow' }));
    }
    if (block && (t.type === 'block-sequence-start' || t.type === 'block-mapping-start')) {
      const seq = t.type === 'block-sequence-start';
      this.state = seq ? 'block-sequence-first-entry' : 'block-mapping-first-key';
      const e = event(seq ? 'sequence-start' : 'mapping-start', start, t.end, { anchor, tag, implicit, style: 'block' });
      if (this.stemComment.length > 0) {
        e.head = this.stemComment;
        this.stemComment = '';
      }
      return e;
    }
    if (anchor.length > 0 || tag.length > 0) {
      this.pop();
      return event('scalar', start, end, { anchor, tag, implicit, style: 'plain' });
    }
    this.perr('did not find expected node content', t.start, block ? 'while parsing a block node' : 'while parsing a flow node', start);
  }

  private splitStemComment(stemLen: number): void {
    if (stemLen === 0) return;
    // go-yaml ignores a failed peek here: its scanner error stands and is reported once this event is made, unless
    // making it ends in a parser error first. The retry may succeed (a failed stream end has already queued its
    // block ends), so `- ]` after a comment is refused for the `]`, not for a key further down.
    let t: Token;
    try {
      t = this.peek();
    } catch (e) {
      if (!(e instanceof YamlSyntaxError)) throw e;
      this.deferred = e;
      return;
    }
    if (t.type !== 'block-sequence-start' && t.type !== 'block-mapping-start') return;
    this.stemComment = this.headComment.slice(0, stemLen);
    this.headComment = this.headComment.length === stemLen ? '' : this.headComment.slice(stemLen + 1);
  }

  private blockSequenceEntry(first: boolean): YEvent {
    if (first) {
      this.marks.push(this.peek().start);
      this.skip();
    }
    let t = this.peek();
    if (t.type === 'block-entry') {
      const mark = t.end;
      const prior = this.headComment.length;
      this.skip();
      this.splitStemComment(prior);
      t = this.peek();
      if (t.type !== 'block-entry' && t.type !== 'block-end') {
        this.states.push('block-sequence-entry');
        return this.node(true, false);
      }
      this.state = 'block-sequence-entry';
      return this.emptyScalar(mark);
    }
    if (t.type === 'block-end') {
      this.pop();
      this.marks.pop();
      const e = event('sequence-end', t.start, t.end);
      this.skip();
      return e;
    }
    const ctx = this.marks.pop()!;
    this.perr("did not find expected '-' indicator", t.start, 'while parsing a block collection', ctx);
  }

  private indentlessSequenceEntry(): YEvent {
    let t = this.peek();
    if (t.type === 'block-entry') {
      const mark = t.end;
      const prior = this.headComment.length;
      this.skip();
      this.splitStemComment(prior);
      t = this.peek();
      if (t.type !== 'block-entry' && t.type !== 'key' && t.type !== 'value' && t.type !== 'block-end') {
        this.states.push('indentless-sequence-entry');
        return this.node(true, false);
      }
      this.state = 'indentless-sequence-entry';
      return this.emptyScalar(mark);
    }
    this.pop();
    return event('sequence-end', t.start, t.start);
  }

  private blockMappingKey(first: boolean): YEvent {
    if (first) {
      this.marks.push(this.peek().start);
      this.skip();
    }
    let t = this.peek();
    if (this.tailComment.length > 0) {
      const e = event('tail-comment', t.start, t.end, { foot: this.tailComment });
      this.tailComment = '';
      return e;
    }
    if (t.type === 'key') {
      const mark = t.end;
      this.skip();
      t = this.peek();
      if (t.type !== 'key' && t.type !== 'value' && t.type !== 'block-end') {
        this.states.push('block-mapping-value');
        return this.node(true, true);
      }
      this.state = 'block-mapping-value';
      return this.emptyScalar(mark);
    }
    if (t.type === 'block-end') {
      this.pop();
      this.marks.pop();
      const e = this.takeComments(event('mapping-end', t.start, t.end));
      this.skip();
      return e;
    }
    const ctx = this.marks.pop()!;
    this.perr('did not find expected key', t.start, 'while parsing a block mapping', ctx);
  }

  private blockMappingValue(): YEvent {
    let t = this.peek();
    if (t.type === 'value') {
      const mark = t.end;
      this.skip();
      t = this.peek();
      if (t.type !== 'key' && t.type !== 'value' && t.type !== 'block-end') {
        this.states.push('block-mapping-key');
        return this.node(true, true);
      }
      this.state = 'block-mapping-key';
      return this.emptyScalar(mark);
    }
    this.state = 'block-mapping-key';
    return this.emptyScalar(t.start);
  }

  /**
   * The start of an entry in a flow collection: on the first, its opening token is consumed (its mark kept for
   * errors); on the others, the `,` before it is required unless the collection ends here.
   */
  private flowEntryStart(first: boolean, end: TokenType, problem: string, context: string): Token {
    if (first) {
      this.marks.push(this.peek().start);
      this.skip();
    }
    let t = this.peek();
    if (t.type !== end && !first) {
      if (t.type !== 'flow-entry') this.perr(problem, t.start, context, this.marks.pop());
      this.skip();
      t = this.peek();
    }
    return t;
  }

  private flowSequenceEntry(first: boolean): YEvent {
    const t = this.flowEntryStart(first, 'flow-sequence-end', "did not find expected ',' or ']'", 'while parsing a flow sequence');
    if (t.type !== 'flow-sequence-end') {
      if (t.type === 'key') {
        this.state = 'flow-sequence-entry-mapping-key';
        const e = event('mapping-start', t.start, t.end, { implicit: true, style: 'flow' });
        this.skip();
        return e;
      }
      this.states.push('flow-sequence-entry');
      return this.node(false, false);
    }
    this.pop();
    this.marks.pop();
    const e = this.takeComments(event('sequence-end', t.start, t.end));
    this.skip();
    return e;
  }

  private flowSequenceEntryMappingKey(): YEvent {
    const t = this.peek();
    if (t.type !== 'value' && t.type !== 'flow-entry' && t.type !== 'flow-sequence-end') {
      this.states.push('flow-sequence-entry-mapping-value');
      return this.node(false, false);
    }
    const mark = t.end;
    this.skip();
    this.state = 'flow-sequence-entry-mapping-value';
    return this.emptyScalar(mark);
  }

  private flowSequenceEntryMappingValue(): YEvent {
    const t = this.peek();
    if (t.type === 'value') {
      this.skip();
      const next = this.peek();
      if (next.type !== 'flow-entry' && next.type !== 'flow-sequence-end') {
        this.states.push('flow-sequence-entry-mapping-end');
        return this.node(false, false);
      }
    }
    // An empty value of a pair in a flow sequence (`[a: ]`) sits at the `:`, not at the token after it: go-yaml's
    // parser takes the mark of the value token here (unlike in a flow mapping, `{a: }`), and its nodes carry it.
    this.state = 'flow-sequence-entry-mapping-end';
    return this.emptyScalar(t.start);
  }

  private flowMappingKey(first: boolean): YEvent {
    let t = this.flowEntryStart(first, 'flow-mapping-end', "did not find expected ',' or '}'", 'while parsing a flow mapping');
    if (t.type !== 'flow-mapping-end') {
      if (t.type === 'key') {
        this.skip();
        t = this.peek();
        if (t.type !== 'value' && t.type !== 'flow-entry' && t.type !== 'flow-mapping-end') {
          this.states.push('flow-mapping-value');
          return this.node(false, false);
        }
        this.state = 'flow-mapping-value';
        return this.emptyScalar(t.start);
      }
      this.states.push('flow-mapping-empty-value');
      return this.node(false, false);
    }
    this.pop();
    this.marks.pop();
    const e = this.takeComments(event('mapping-end', t.start, t.end));
    this.skip();
    return e;
  }

  private flowMappingValue(empty: boolean): YEvent {
    let t = this.peek();
    if (empty) {
      this.state = 'flow-mapping-key';
      return this.emptyScalar(t.start);
    }
    if (t.type === 'value') {
      this.skip();
      t = this.peek();
      if (t.type !== 'flow-entry' && t.type !== 'flow-mapping-end') {
        this.states.push('flow-mapping-key');
        return this.node(false, false);
      }
    }
    this.state = 'flow-mapping-key';
    return this.emptyScalar(t.start);
  }

  private emptyScalar(mark: Mark): YEvent {
    return event('scalar', mark, mark, { implicit: true, style: 'plain' });
  }
}

/** Short form of a resolved tag, as yaml.v3's shortTag. */
function shortTag(tag: string): string {
  if (tag.startsWith('tag:yaml.org,2002:')) return '!!' + tag.slice('tag:yaml.org,2002:'.length);
  return tag;
}

/** yaml.v3's tag for an untagged plain scalar (resolve.go), enough to know null, merge and non-strings. */
export type PlainResolver = (value: string) => string;

/**
 * Reads a YAML stream document by document, as sops does with yaml.NewDecoder(...).Decode(&node).
 * `resolveTag` gives the implicit tag of a plain scalar.
 */
export class NodeReader {
  private readonly p: EventParser;
  private ev: YEvent | undefined;
  private anchors = new Map<string, YNode>();
  private started = false;

  constructor(
    src: string,
    private readonly resolveTag: PlainResolver,
  ) {
    checkPrintable(src);
    this.p = new EventParser(src);
  }

  private peek(): YEvent {
    this.ev ??= this.p.next();
    return this.ev;
  }

  private expect(t: EventType): YEvent {
    const e = this.peek();
    if (e.type === 'stream-end') throw new YamlSyntaxError('attempted to go past the end of stream; corrupted value?', e.start, 'composer');
    if (e.type !== t) throw new YamlSyntaxError(`expected ${t} event but got ${e.type}`, e.start, 'parser');
    this.ev = undefined;
    return e;
  }

  /** The next document node, or undefined at the end of the stream. */
  nextDocument(): YNode | undefined {
    if (!this.started) {
      this.anchors = new Map();
      this.expect('stream-start');
      this.started = true;
    }
    const e = this.peek();
    if (e.type === 'stream-end') return undefined;
    return this.document();
  }

  private make(kind: NodeKind, defaultTag: string, tag: string, value: string, e: YEvent): YNode {
    let tagged = false;
    let t: string;
    if (tag !== '' && tag !== '!') {
      t = shortTag(tag);
      tagged = true;
    } else if (defaultTag !== '') t = defaultTag;
    else if (kind === 'scalar') t = this.resolveTag(value);
    else t = '';
    return {
      kind,
      tag: t,
      value,
      style: undefined,
      tagged,
      flow: false,
      anchor: '',
      alias: undefined,
      content: [],
      line: e.start.line + 1,
      column: e.start.column + 1,
      pos: e.start.pos,
      head: e.head,
      lineComment: e.line,
      foot: e.foot,
    };
  }

  private parse(): YNode {
    const e = this.peek();
    switch (e.type) {
      case 'scalar':
        return this.scalar();
      case 'alias':
        return this.aliasNode();
      case 'mapping-start':
        return this.mapping();
      case 'sequence-start':
        return this.sequence();
      case 'document-start':
        return this.document();
      default:
        throw new YamlSyntaxError(`unexpected ${e.type} event`, e.start, 'composer');
    }
  }

  private setAnchor(n: YNode, anchor: string): void {
    if (anchor !== '') {
      n.anchor = anchor;
      this.anchors.set(anchor, n);
    }
  }

  private document(): YNode {
    const e = this.peek();
    const n = this.make('document', '', '', '', e);
    this.expect('document-start');
    n.content.push(this.parse());
    const end = this.peek();
    if (end.type === 'document-end') n.foot = end.foot;
    this.expect('document-end');
    return n;
  }

  private aliasNode(): YNode {
    const e = this.peek();
    const n = this.make('alias', '', '', e.anchor, e);
    n.alias = this.anchors.get(e.anchor);
    if (!n.alias) throw new YamlSyntaxError(`unknown anchor '${e.anchor}' referenced`, e.start, 'composer');
    this.expect('alias');
    return n;
  }

  private scalar(): YNode {
    const e = this.peek();
    const style = e.style as ScalarStyle;
    const defaultTag = style === 'plain' ? (e.value === '<<' ? '!!merge' : '') : '!!str';
    const n = this.make('scalar', defaultTag, e.tag, e.value, e);
    n.style = style;
    this.setAnchor(n, e.anchor);
    this.expect('scalar');
    return n;
  }

  private sequence(): YNode {
    const e = this.peek();
    const n = this.make('sequence', '!!seq', e.tag, '', e);
    n.flow = e.style === 'flow';
    this.setAnchor(n, e.anchor);
    this.expect('sequence-start');
    while (this.peek().type !== 'sequence-end') n.content.push(this.parse());
    const end = this.peek();
    n.lineComment = end.line;
    n.foot = end.foot;
    this.expect('sequence-end');
    return n;
  }

  private mapping(): YNode {
    const e = this.peek();
    const n = this.make('mapping', '!!map', e.tag, '', e);
    n.flow = e.style === 'flow';
    const block = !n.flow;
    this.setAnchor(n, e.anchor);
    this.expect('mapping-start');
    while (this.peek().type !== 'mapping-end') {
      const k = this.parse();
      n.content.push(k);
      if (block && k.foot !== '' && n.content.length > 2) {
        n.content[n.content.length - 3].foot = k.foot;
        k.foot = '';
      }
      const v = this.parse();
      n.content.push(v);
      if (k.foot === '' && v.foot !== '') {
        k.foot = v.foot;
        v.foot = '';
      }
      const t = this.peek();
      if (t.type === 'tail-comment') {
        if (k.foot === '') k.foot = t.foot;
        this.ev = undefined;
      }
    }
    const end = this.peek();
    n.lineComment = end.line;
    n.foot = end.foot;
    if (!n.flow && n.foot !== '' && n.content.length > 1) {
      n.content[n.content.length - 2].foot = n.foot;
      n.foot = '';
    }
    this.expect('mapping-end');
    return n;
  }
}
