"""The shared reader: a published report as a sequence of blocks → report JSON + findings.

Every format reader (web page, Word, copied text) turns its file into blocks:
  - Para(text): one paragraph of running text;
  - Grid(rows): a table with its merges unrolled, each slot holding a Slot(text, origin) where
    `origin` is the same for all slots covered by one merged cell.
This module finds the title, the preamble, the six sections and the three tables in those blocks.
Table cells are matched to the form by their row and column LABELS (normalised, with the form's
aliases), never by position alone; only text copied from a web page, which has lost its empty
cells, is placed by the form's row order and the number of values per row.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from converter.base.errors import InputError
from converter.engine.findings import Finding, Location
from converter.form.definition import Form, NumberCell, Table, available_forms, get_path, load_form, set_path
from converter.engine.rules import location_of
from converter.engine.loaded import Loaded
from converter.engine.values import is_blank_marker, parse_cell


# ---- blocks -------------------------------------------------------------------------
@dataclass
class Para:
    text: str


@dataclass(frozen=True)
class Slot:
    text: str
    origin: int  # identical for every slot of one (merged) cell


@dataclass
class Grid:
    rows: list[list[Slot]]


@dataclass
class ImagePage:
    """A page of a PDF without a text layer among pages with text (a scanned page): nothing read from it."""
    page: int  # 1-based


def grid_from_rows(rows: list[list[str]]) -> Grid:
    """A grid without merges (each string its own cell)."""
    n = 0
    out = []
    for row in rows:
        line = []
        for text in row:
            line.append(Slot(text, n))
            n += 1
        out.append(line)
    return Grid(out)


def unroll(rows: list[list[tuple[str, int, int]]]) -> Grid:
    """Rows of (text, rowspan, colspan) cells as published → a rectangular grid of Slots."""
    placed: dict[tuple[int, int], Slot] = {}
    origin = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in placed:
                c += 1
            rs, cs = max(1, min(rs or 1, 200)), max(1, min(cs or 1, 100))
            slot = Slot(text, origin)
            origin += 1
            for dr in range(rs):
                for dc in range(cs):
                    placed.setdefault((r + dr, c + dc), slot)
            c += cs
    if not placed:
        return Grid([])
    return filled_grid(placed, len(rows), max(c for (_, c) in placed) + 1, origin)


def filled_grid(placed: dict[tuple[int, int], Slot], nrows: int, ncols: int, origin: int) -> Grid:
    """rows × cols of the placed slots (merged cells repeated); a slot nothing covers is an empty cell."""
    out = []
    for r in range(nrows):
        line = []
        for c in range(ncols):
            slot = placed.get((r, c))
            if slot is None:
                slot = Slot("", origin)
                origin += 1
            line.append(slot)
        out.append(line)
    return Grid(out)


# ---- unruled tables: empty cells by position ----------------------------------------------
_NUMBER_CELL = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")
BLANK_CELL = "/"  # an explicit empty cell (a blank marker every reader knows)


def _is_number_cell(text: str) -> bool:
    return bool(_NUMBER_CELL.match(text.strip()))


def _table_runs(lines: list, min_rows: int = 2) -> list[list]:
    """Runs of lines that form an unruled table: lines cut into cells at wide gaps, and the short lines
    between them (a row label wrapped in its column); a line of running text or a new page ends a run.
    A line is any object with `page`, `cells` ((x0, x1, text) left to right) and `text`."""
    runs: list[list] = []
    current: list = []
    for ln in lines:
        if len(ln.cells) >= 2 or (current and len(re.sub(r"\s+", "", ln.text)) < 12):
            if current and current[-1].page != ln.page:
                runs.append(current)
                current = []
            current.append(ln)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return [run for run in runs if sum(any(_is_number_cell(c[2]) for c in ln.cells) for ln in run) >= min_rows]


def _merge_spans(spans: list[tuple[float, float]], slack: float) -> list[tuple[float, float]]:
    """Sorted x-extents joined where they overlap (or nearly: `slack`): one per column."""
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] + slack:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def _number_columns(run: list, slack: float) -> list[tuple[float, float]]:
    """The x-extents of the run's number columns: the union of overlapping number cells."""
    spans = sorted((x0, x1) for ln in run for x0, x1, text in ln.cells if _is_number_cell(text))
    return _merge_spans(spans, slack)


def _heading_columns(run: list, slack: float) -> list[tuple[float, float]]:
    """The x-extents of the short column headings (two characters: 结果, 维持, 总计) on the run's lines
    without numbers, right of every row label: the columns of a table with a single number row (表四)."""
    label_end = min((max((x1 for x0, x1, t in ln.cells if not _is_number_cell(t)), default=-1)
                     for ln in run if any(_is_number_cell(c[2]) for c in ln.cells)), default=-1)
    spans = sorted((x0, x1) for ln in run if not any(_is_number_cell(c[2]) for c in ln.cells)
                   for x0, x1, text in ln.cells if len(_squash(text)) == 2 and x0 > label_end)
    return _merge_spans(spans, slack)


def mark_empty_cells(lines: list, slack: float = 1.0, full_rows: int = 1, headings: bool = False) -> None:
    """In an unruled table (a PDF's, or text laid out by position, `pdftotext -layout`), a number column
    with nothing in it on a row, left of the row's last number, is an empty cell by position: it is written
    out as an explicit blank ("/") so that the row's numbers keep their columns (text that lost its empty
    cells can only be placed when every cell is filled). Only where the positions are consistent: as many
    columns as the fullest rows have numbers (at least `full_rows` such rows: text, whose spaces may have
    been typed, asks for two), each number in exactly one column. With `headings` (a PDF's true positions),
    a table whose column headings stand over more columns than its numbers fill (表四, one number row with
    an empty cell) takes its columns from the headings, when each number column lies under exactly one."""
    for run in _table_runs(lines, 1 if headings else 2):
        cols = _number_columns(run, slack)
        counts = [sum(_is_number_cell(c[2]) for c in ln.cells) for ln in run]
        rows = sum(n > 0 for n in counts)
        heads = _heading_columns(run, slack) if headings and cols else []
        under = [[k for k, (a, b) in enumerate(heads) if x0 <= b and x1 >= a] for x0, x1 in cols]
        if len(heads) > len(cols) and all(len(u) == 1 for u in under) and \
                len({u[0] for u in under}) == len(cols):
            cols = heads
        elif rows < 2 or not cols or (max(counts) != len(cols) or counts.count(len(cols)) < full_rows) and \
                not (headings and len(cols) - max(counts) <= 1):
            # (a PDF's true positions: two rows or more whose numbers together fill one more column than
            # any row does, each row with an empty cell somewhere, still give the columns)
            continue
        for ln in run:
            nums = [(x0, x1) for x0, x1, text in ln.cells if _is_number_cell(text)]
            if not nums:
                continue
            owners = [[k for k, (a, b) in enumerate(cols) if x0 <= b and x1 >= a] for x0, x1 in nums]
            used = [o[0] for o in owners if o]
            if any(len(o) != 1 for o in owners) or len(set(used)) != len(used):
                continue  # a number over two columns, two numbers in one: no certainty, leave the line as it is
            words = [x1 for x0, x1, text in ln.cells if not _is_number_cell(text)]
            label_end = max(words) if words else -1
            # (after the row's last number too: a row that spans fewer cells, 表二's merged ones, drops
            # trailing blanks when it is placed)
            missing = [k for k in range(len(cols)) if k not in used and cols[k][0] > label_end]
            if not missing or any(not _is_number_cell(t) for x0, _, t in ln.cells if x0 > cols[used[0]][0]):
                continue
            cells = sorted([*ln.cells, *((cols[k][0], cols[k][1], BLANK_CELL) for k in missing)],
                           key=lambda c: c[0])
            ln.cells = tuple(cells)
            ln.text = "  ".join(c[2] for c in cells)


# ---- text helpers --------------------------------------------------------------------
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (as a browser shows them) and trim."""
    return _WS.sub(" ", text or "").strip()


def strip_text(text: str) -> str:
    """Trim only (a paragraph's inner spaces are the author's)."""
    return (text or "").strip(" \t\r\n\u00a0\u3000\u200b\ufeff")


def clean_lines(text: str) -> str:
    """clean_text for each line, keeping the line breaks (cell text made of several paragraphs)."""
    lines = (clean_text(line) for line in (text or "").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


_CN_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "O": "0"}


def _squash(text: str) -> str:
    """NFKC and no whitespace at all: for pattern matching on headings, titles, furniture."""
    text = _WS.sub("", unicodedata.normalize("NFKC", text or ""))
    # a year in Chinese numerals (二〇二五年) as digits
    return re.sub(r"(?<![一二三四五六七八九十])([〇零○O一二三四五六七八九]{4})年",
                  lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)) + "年", text)


_REPORT_WORDS = r"(?:政府)?信息公开(?:工作)?(?:年度)?报告"
# agency first ("某局2025年度政府信息公开工作年度报告") or year first ("2025年上海市人民政府办公厅政府信息公开…")
_TITLE_AGENCY_FIRST = re.compile(rf"^(?P<agency>.{{2,40}}?)(?P<year>20\d\d)年(?:度)?{_REPORT_WORDS}")
_TITLE_YEAR_FIRST = re.compile(rf"^(?P<year>20\d\d)年(?:度)?(?P<agency>.{{0,40}}){_REPORT_WORDS}")
_TITLE_LABEL = re.compile(r"^(?:文章|信息|文件)?(?:标题|题目|名称)[:：]")
# what may follow 报告 in a title: a draft mark (our Word writer's （草稿）), （全文）, punctuation
_TITLE_TAIL = re.compile(r"^(?:[(（][^()（）]{1,10}[)）])?[。.!！]?$")
_PLACE_END = "省市县区州旗盟镇乡村"


def _title_match(s: str) -> tuple[str, int] | None:
    """(agency, year) when the squashed text `s` is a whole report title ("" agency: the year only)."""
    s = _TITLE_LABEL.sub("", s)
    for pattern in (_TITLE_YEAR_FIRST, _TITLE_AGENCY_FIRST):
        m = pattern.match(s)
        if m and _TITLE_TAIL.match(s[m.end():]):
            agency = _clean_agency(m.group("agency"))
            if pattern is _TITLE_YEAR_FIRST and agency.endswith("政府") and \
                    (len(agency) == 2 or (not agency.endswith("人民政府") and agency[-3] not in _PLACE_END)):
                agency = agency[:-2]  # "…办公厅政府信息公开": 政府 belongs to 政府信息公开
            if agency and not plausible_agency(agency, title=True):
                continue
            return agency, int(m.group("year"))
    return None


def is_title(text: str) -> bool:
    s = _squash(text)
    return len(s) <= 90 and _title_match(s) is not None


def find_title(paras: list, first_head: int) -> tuple[int | None, str, int | None]:
    """(block index, agency, year) of the last report title before the first section heading: on one line
    or over two ("某局" / "2025年政府…报告", "某局2025年" / "政府…报告（草稿）", "2025年某局" / "政府…报告")."""
    found: tuple[int | None, str, int | None] = (None, "", None)
    previous = None
    for i, p in paras:
        if i >= first_head:
            break
        s = _squash(p.text)
        m = _title_match(s) if len(s) <= 90 else None
        if (m is None or not m[0]) and previous is not None and 2 <= len(_squash(previous.text)) <= 40 and \
                not is_furniture(previous.text):
            joined = _TITLE_LABEL.sub("", _squash(previous.text)) + s
            m = (_title_match(joined) if len(joined) <= 90 else None) or m
        if m is not None:
            found = (i, m[0], m[1])
        previous = p
    return found


# a sentence's words before a name ("按照区委", "结合我局", "由江苏省公安厅"): never an agency's name
_FRAGMENT_START = re.compile(r"^(?:按照|结合|及时|根据|依据|依照|现将|对于|关于|通过|围绕|坚持|落实|贯彻|加强|推进|做好|配合|协助|会同|"
                             r"联合|牵头|督促|指导|组织|认真|积极|全面|进一步|经过|报送|提交|转送|转交|告知|建议|向|由)")
_FRAGMENT_INSIDE = re.compile(r"(?<!自)由|按照|结合|及时|根据|依据|依照|围绕|会同|配合|协助|有关|申请|办理|转交|转送")
_PREPOSITION = re.compile(r"^(?:20\d\d年|年|本|我|全|各|将|把|对|在|为|经|从|以|与|和|及|被|请|会同)")

def plausible_agency(name: str, title: bool = False) -> bool:
    """A name an agency could bear, not a fragment of a sentence."""
    if not 2 <= len(name) <= 40 or re.search(r"[，。；;!！?？]|我", name):
        return False
    if title:  # a title's words before the year: joint reports name several agencies ("…委办公室、…政府办公室")
        return True
    return not (re.search(r"[：:、“”\"\s]|的|年|\d", name) or _FRAGMENT_START.match(name) or
                _FRAGMENT_INSIDE.search(name))

# Section headings by number and keywords (on the squashed text), searched in order.

# Page furniture: short paragraphs around the report on a government web page.
_FURNITURE = re.compile(
    r"扫一扫|手机打开|打印本页|【打印】|【关闭】|关闭窗口|关闭本页|分享到|字体[:：]?[【\[]?[大中小]|【大】|【中】|【小】|"
    r"^字号|^收藏|加入收藏|上一篇|下一篇|^来源[:：]|信息来源[:：]|发布(?:时间|日期)[:：]|浏览(?:次数)?[:：]|访问量|"
    r"点击(?:数|量|率)?[:：]|阅读(?:数|量|次数)[:：]|责任编辑|^编辑[:：]|网站地图|版权所有|ICP备|公网安备|网站标识码|"
    r"^欢迎(?:访问|光临|来到|您)|^主办(?:单位)?[:：]|^承办(?:单位)?[:：]|^联系我们|^首页$|当前位置|您的位置|您现在的位置|^相关(?:链接|附件|文章|阅读)|"
    r"^索引号|^发文机关|^发布机构|^发文字号|^文号[:：]|^主题分类|^信息分类|^成文日期|^生成日期|^公开方式|^有效性|"
    r"^附件[:：]|\.(?:docx?|pdf|xlsx?|wps|zip|rar)$|^技术支持|^地址[:：]|^电话[:：]|^邮编[:：]|^微信$|^微博$|^QQ空间$|^分享$|^打印$|^关闭$|^返回顶部|^【返回|^\[返回"
)


def is_furniture(text: str) -> bool:
    s = _squash(text)
    return len(s) <= 60 and bool(_FURNITURE.search(s))


# Page chrome: buttons and links around a published report, a line made of nothing else is no text of it
_CHROME_WORD = (r"全真版|文字版|简明版|图文版|原文版|PDF版|WORD版|Word版|文件下载|附件下载|下载附件|原文下载|下载文件|下载|文字解读|图片解读|"
                r"图文解读|图解|视频解读|政策解读|相关解读|解读|打印本页|打印|关闭窗口|关闭|返回顶部|返回|分享到|分享|微信|微博|QQ空间|QQ|"
                r"收藏|字号|字体|[大中小]|默认|播放|朗读|纠错|我要纠错|扫一扫|二维码|附件\d*|[上下]一篇|TOP|top|"
                # a site's menu bar copied with the page
                r"首页|网站首页|政务公开|政府信息公开|信息公开|政务服务|办事服务|互动交流|公众参与|新闻中心|要闻动态|走进[\u4e00-\u9fa5]{1,4}|"
                r"专题专栏|无障碍|长者模式|关怀版|繁体|简体|English|登录|注册|搜索|网站导航|站内搜索")
_CHROME = re.compile(rf"(?:{_CHROME_WORD})+")
_CHROME_SEPARATORS = re.compile(r"[|｜/／·•\-—_、,，;；:：【】\[\]()（）<>《》»›]")
PAGE_NUMBER = re.compile(r"^[-—–－_~～\s]*(?:第\s*)?\d{1,4}\s*页?(?:\s*[/,，]\s*共?\s*\d{1,4}\s*页?)?[-—–－_~～\s]*$|"
                         r"^[-—–－_~～\s]*第\s*\d{1,4}\s*页\s*[,，]?\s*共\s*\d{1,4}\s*页[-—–－_~～\s]*$")


def is_chrome(text: str) -> bool:
    """A menu or share bar, download/解读 links, a breadcrumb trail or a page number: not report text."""
    raw = strip_text(text)
    if PAGE_NUMBER.match(raw):
        return True
    s = _squash(raw)
    if len(s) > 60:
        return False
    if len(re.findall(r"[>»›]", s)) >= 2:  # 首页 > 政务公开 > 年度报告
        return True
    bare = _CHROME_SEPARATORS.sub("", s)
    return bool(bare) and _CHROME.fullmatch(bare) is not None


_DATE_RE = re.compile(r"^(?:\d{4}|[〇零一二三四五六七八九○O]{4})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日$")


# ---- numbers -------------------------------------------------------------------------


def classify(text: str, form: Form):
    """('number', value) | ('blank', None) | ('label', text)."""
    s = _squash(text)
    if s == "" or is_blank_marker(s, form):
        return ("blank", None)
    value, _, error = parse_cell(s, form, None)
    return ("label", text) if error or value is None else ("number", value)


# ---- label matching ------------------------------------------------------------------
_ORDINAL = re.compile(r"^(?:\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+(?=\D)|\d+(?=\D))")


def _strip_ordinal(norm: str) -> str:
    return _ORDINAL.sub("", norm, count=1)


@dataclass
class RowSpec:
    """One number row of a form table: its leaf label(s) and its number cells left to right."""

    table: Table
    r: int
    leaves: tuple[str, ...]  # normalised labels that name the row
    cells: tuple[NumberCell, ...]


@dataclass
class TableSpec:
    table: Table
    rows: list[RowSpec]
    unlabelled: RowSpec | None  # a number row with no label (表四)
    words: set[str]  # normalised label texts, to recognise the table
    col_paths: dict[str, tuple[str, ...]]  # number key → normalised header texts, leaf last


def table_specs(form: Form) -> list[TableSpec]:
    specs = []
    for t in form.tables:
        grid = t.grid()
        rows = {}
        for n in t.numbers:
            rows.setdefault(n.r, []).append(n)
        row_specs, unlabelled = [], None
        for r, cells in sorted(rows.items()):
            cells.sort(key=lambda n: n.c)
            labels = [lab for lab in t.labels if lab.r <= r < lab.r + lab.rs]
            left = [lab for lab in labels if lab.c < cells[0].c]
            if not left:
                unlabelled = RowSpec(t, r, (), tuple(cells))
                continue
            leaf = max(left, key=lambda lab: lab.c)
            leaves = [form.normalize_label(leaf.text), *(form.normalize_label(a) for a in leaf.aliases),
                      form.normalize_label(cells[0].row_label)]
            row_specs.append(RowSpec(t, r, tuple(dict.fromkeys(leaves)), tuple(cells)))
        words = set()
        for lab in t.labels:
            words.add(form.normalize_label(lab.text))
            words.update(form.normalize_label(a) for a in lab.aliases)
        col_paths = {}
        for n in t.numbers:
            path = []
            for r in range(1, t.header_rows + 1):
                slot = grid[r - 1][n.c - 1]
                if hasattr(slot, "text"):
                    path.append(form.normalize_label(slot.text))
            path.append(form.normalize_label(n.col_label))
            col_paths[n.key] = tuple(dict.fromkeys(path))
        specs.append(TableSpec(t, row_specs, unlabelled, words, col_paths))
    return specs


def match_row(spec: TableSpec, text: str, form: Form, fuzzy: bool) -> RowSpec | None:
    norm = form.normalize_label(text)
    if not norm:
        return None
    for row in spec.rows:
        if norm in row.leaves:
            return row
    if not fuzzy:
        return None
    bare = _strip_ordinal(norm)
    if len(bare) < 2:
        return None
    exact = [row for row in spec.rows if any(_strip_ordinal(leaf) == bare for leaf in row.leaves)]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    # (a label cut short, or one running on; never a short leaf such as 其他 at the start of a longer text)
    prefix = [row for row in spec.rows
              if any(_strip_ordinal(leaf).startswith(bare) or
                     (bare.startswith(_strip_ordinal(leaf)) and len(_strip_ordinal(leaf)) >= 4)
                     for leaf in row.leaves if len(_strip_ordinal(leaf)) >= 2)]
    if len(prefix) > 1 and _ordinal(norm):  # "7.属于行" (a label cut by its narrow column): 7. decides
        prefix = [row for row in prefix if any(_ordinal(leaf) == _ordinal(norm) for leaf in row.leaves)]
    return prefix[0] if len(prefix) == 1 else None


def _match_last_words(spec: TableSpec, text: str, form: Form) -> RowSpec | None:
    """A cell or a copied line holding a group's label and the row's (“三、本年度办理结果 （一）予以公开”, a
    label broken in its column “无法提 2.没有现成信息…”): the row's own label comes last, after a space."""
    words = text.split()
    for j in range(1, len(words)):
        tail = " ".join(words[j:])
        match = match_row(spec, tail, form, fuzzy=False) or match_row(spec, tail, form, fuzzy=True)
        if match:
            return match
    return None


def _ordinal(norm: str) -> str:
    m = _ORDINAL.match(norm)
    return m.group(0) if m else ""


def header_score(path: tuple[str, ...], heads: list[str]) -> int:
    """How well a grid column's header texts match a form column's header path (leaf last)."""
    if not heads:
        return 0
    leaf, groups = path[-1], path[:-1]
    if leaf in heads:
        score = 10
    elif any(len(h) >= 2 and (leaf.startswith(h) or h in leaf) for h in heads) or \
            any(leaf in h for h in heads):
        score = 5
    else:
        return 0
    return score + sum(1 for g in groups if g in heads)


# ---- the reader ----------------------------------------------------------------------
@dataclass
class _Reader:
    form: Form
    path: str
    findings: list[Finding] = field(default_factory=list)

    def note(self, code: str, severity: str, message: str, path: str = "", **context):
        loc = location_of(self.form, path) if path else Location()
        self.findings.append(Finding(code, severity, message, loc, context))


def choose_form(blocks: list) -> Form:
    """The bundled edition a published report is written in: the one most of whose table labels and
    section headings it contains (the newest edition on a tie)."""
    texts = {_squash(t) for b in blocks for t in _block_texts(b)}
    text = "\n".join(texts)

    def score(form: Form) -> int:
        labels = {form.normalize_label(lab.text) for t in form.tables for lab in t.labels}
        labels |= {form.normalize_label(s.heading) for s in form.sections}
        folded = form.normalize_label(text)
        return sum(1 for lab in labels if lab and lab in folded)

    forms = [load_form(f) for f in available_forms()]
    return max(forms, key=lambda f: (score(f), f.first_year, f.id))


def _block_texts(block) -> list[str]:
    if isinstance(block, Para):
        return [block.text]
    return [s.text for row in getattr(block, "rows", ()) for s in row]


def build_report(blocks: list, path: str = "", *, source_title: str = "", form: Form) -> Loaded:
    """Blocks of one published report in the edition `form` → Loaded(report, form, findings)."""
    rd = _Reader(form, str(path))
    image_pages = [b.page for b in blocks if isinstance(b, ImagePage)]
    blocks = [b for b in blocks if not isinstance(b, ImagePage)]
    if image_pages:
        rd.note("import.image_page", "warning",
                f"第 {'、'.join(map(str, image_pages))} 页是图片（扫描页，没有文字层），其中的文字和数字无法读取，"
                "如有表格，其数字按空白处理，请与原文核对", pages=image_pages)
    check_legacy(blocks, form, path)
    specs = table_specs(form)
    blocks = flatten_text_grids(blocks, specs, form)

    paras = [(i, b) for i, b in enumerate(blocks) if isinstance(b, Para) and b.text.strip()]
    heads = find_headings(paras, form)
    first_head = min(heads.values()) if heads else len(blocks)

    # title: the last title-like paragraph before the first section heading
    title_idx, agency, year = find_title(paras, first_head)
    signed = signature(paras)

    report = form.empty_report("", None)
    headers_running = running_headers(paras)
    # texts
    preamble = [p.text for i, p in paras if (title_idx is None or i > title_idx) and i < first_head
                and not is_furniture(p.text) and not is_title(p.text) and not is_chrome(p.text)
                and not _squash(p.text) in headers_running]
    if title_idx is None:  # no title: menus and page furniture before the report are short lines
        preamble = [t for t in preamble if len(_squash(t)) >= 20]
    preamble = [strip_text(t) for t in preamble]
    if preamble:
        preamble[0] = re.sub(r"^(?:编制说明|前言|说明)\s*[:：]\s*", "", preamble[0])
    set_path(report, "text.preamble", "\n".join(t for t in preamble if t))

    label_words = {form.normalize_label(t) for tab in form.tables for lab in tab.labels
                   for t in (lab.text, *lab.aliases)}
    order = sorted(heads.items(), key=lambda kv: kv[1])
    bounds = {num: (idx, order[k + 1][1] if k + 1 < len(order) else len(blocks)) for k, (num, idx) in enumerate(order)}
    for section in form.sections:  # (a table's own heading may sit inside the table: its table is what counts)
        if section.number not in heads and section.text:
            rd.note("import.missing_section", "warning", f"没有找到“{section.heading}”部分", section.text)
    for section in form.sections:
        if not section.text or section.number not in bounds:
            continue
        start, end = bounds[section.number]
        lines = []
        for b in blocks[start + 1:end]:
            if isinstance(b, Grid):
                if section is form.sections[-1] and lines:
                    break
                continue
            if not b.text.strip() or is_chrome(b.text) or is_title(b.text) or _squash(b.text) in headers_running:
                continue
            if is_furniture(b.text):
                if section is form.sections[-1]:
                    break  # the report is over: what follows is the web page's footer
                continue
            lines.append(strip_text(b.text))
        while len(lines) > 1 and _table_fragment(form.normalize_label(lines[0]), label_words):
            lines.pop(0)  # 表四's header words, which text in reading order puts after the next heading
        if section is form.sections[-1]:
            lines = _drop_signature(lines, agency)
            lines = _drop_signature(lines, signed)
        set_path(report, section.text, "\n".join(lines))

    # tables
    filled: dict[str, bool] = {}
    headers: dict[str, list[list[str]]] = {}
    grids = [(i, b) for i, b in enumerate(blocks) if isinstance(b, Grid)]
    for i, grid in grids:
        spec = classify_grid(grid, specs, form)
        if spec is not None:
            read_grid(rd, report, spec, grid, filled, headers)
    # copied text: the lines of sections 二–四 hold the tables, cells joined by " | " or one per line
    for section in form.sections:
        if not section.table or section.number not in bounds:
            continue
        spec = next(s for s in specs if s.table.id == section.table)
        if any(filled.get(n.key) for n in spec.table.numbers):
            continue
        start, end = bounds[section.number]
        lines = [b.text for b in blocks[start + 1:end] if isinstance(b, Para)]
        if lines:
            read_loose(rd, report, spec, lines, filled)
    for spec in specs:
        missing = [n for n in spec.table.numbers if not filled.get(n.key)]
        if len(missing) == len(spec.table.numbers):
            rd.note("import.missing_table", "warning", f"没有找到{spec.table.name}（{spec.table.title}），其数字均按空白处理")
        elif missing:
            rows = list(dict.fromkeys(n.row_label for n in missing))
            rd.note("import.missing_cells", "warning",
                    f"{spec.table.name}有 {len(missing)} 个单元格没有读到（{'、'.join(rows[:5])}{'等' if len(rows) > 5 else ''}），按空白处理",
                    missing[0].key, keys=[n.key for n in missing])

    # agency and year when there is no title
    if title_idx is None:
        agency, year = _guess_identity(rd, report, blocks, source_title, path, signed)
    elif agency == "":  # a title with the year only ("2025年政府信息公开工作年度报告")
        agency = _agency_elsewhere(rd, report, signed, "标题中没有单位名称")
    report["agency"] = agency
    report["year"] = year
    period = re.search(r"统计期限自?(20\d\d)年1月1日", _squash(report["text"].get("preamble") or ""))
    if title_idx is not None and year is not None and period and int(period.group(1)) != year:
        rd.note("import.period_mismatch", "warning",
                f"标题的年度为 {year}，但前言写的统计期限是 {period.group(1)} 年（前言照抄了别的年度，或标题不是这份报告的），"
                "请核对", "year", period=int(period.group(1)))
    if year is not None and "text.preamble" in form.text and \
            _squash(report["text"]["preamble"]) == _squash(form.default_preamble(year)):
        report["text"]["preamble"] = ""  # the standard preamble: "" means exactly this text
        rd.note("import.standard_preamble", "info", "前言是标准编制说明，按“使用标准前言”读取", "text.preamble")
    extras = {}
    published = published_date(paras)
    if published is not None:
        extras["published"] = published.isoformat()
        late = lateness(published, agency, year)
        if late:
            rd.note("import.published_late", "warning", late, "year", published=published.isoformat())
    return Loaded(report, form, rd.findings, str(path), extras=extras)


_PUBLISHED = re.compile(r"(?:发布|公开|发文|成文)?(?:时间|日期)[:：]?(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})")


def published_date(paras: list):
    """The date a web page says it was published (发布时间：2026-02-15, 发布日期：2026年2月15日, or the
    page's meta date that the HTML reader puts first); None when there is none."""
    import datetime

    for _, p in paras:
        s = _squash(p.text)
        if len(s) > 80 or "发布" not in s:
            continue
        m = _PUBLISHED.search(s[s.index("发布"):])
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


def is_government(agency: str) -> bool:
    """A people's government (its report is due 3月31日), not one of its departments (1月31日)."""
    return bool(re.search(r"政府$", agency or ""))


def lateness(published, agency: str, year) -> str:
    """The message when a report was published after the legal deadline (条例第五十条), else ""."""
    import datetime

    if not agency or not isinstance(year, int):
        return ""
    government = is_government(agency)
    deadline = datetime.date(year + 1, 3, 31) if government else datetime.date(year + 1, 1, 31)
    if published <= deadline:
        return ""
    who = "人民政府" if government else "政府部门"
    return (f"页面发布日期为 {published.year}年{published.month}月{published.day}日，晚于{who}公布年度报告的法定期限"
            f"（{deadline.year}年{deadline.month}月{deadline.day}日前）")


def _clean_agency(agency: str) -> str:
    agency = _TITLE_LABEL.sub("", agency)
    return re.sub(r"^(?:关于|附件\d*[:：]?)", "", agency).strip()


def running_headers(paras: list) -> set[str]:
    """Short lines repeated on page after page (a PDF's running header copied with its text)."""
    counts: dict[str, int] = {}
    for _, p in paras:
        s = _squash(p.text)
        if 4 <= len(s) <= 40 and "|" not in s and not re.search(r"\d{2}", s):
            counts[s] = counts.get(s, 0) + 1
    return {s for s, n in counts.items() if n >= 3}


def _drop_signature(lines: list[str], agency: str) -> list[str]:
    """The agency name and the date at the end of the document are not part of 六's text."""
    while lines:
        s = _squash(lines[-1])
        if _DATE_RE.match(s) or (agency and s == _squash(agency)) or \
                (agency and s.startswith(_squash(agency)) and _DATE_RE.match(s[len(_squash(agency)):])):
            lines = lines[:-1]
            continue
        break
    return lines


def find_headings(paras: list[tuple[int, Para]], form: Form) -> dict[str, int]:
    """Block index of each section heading found, searched in order (numbered, or exactly the heading's
    words when Word's automatic numbering left the number out of the text)."""
    found: dict[str, int] = {}
    pos = 0
    for section in form.sections:
        num = section.number
        pattern = re.compile(rf"^(?:第)?{num}(?:部分)?[、.．,，:：\s]*(?:.{{0,12}}?)(?:{section.keywords or re.escape(section.heading)})")
        bare = {_squash(h).replace("、", "") for h in section.aliases}
        for k in range(pos, len(paras)):
            i, p = paras[k]
            s = _squash(p.text)
            if "|" in s or len(s) > 40:
                continue
            if pattern.match(s) or s.rstrip("。:：").replace("、", "") in bare:
                found[num] = i
                pos = k + 1
                break
    return found


_AGENCY_RE = re.compile(
    r"(?:^|(?<=[\s,，。；;:：、)）》\d]))([\u4e00-\u9fa5]{2,24}?"
    r"(?:人民政府办公室|人民政府办公厅|人民政府|委员会|办公室|办公厅|管理局|局|厅|委|院|中心|署|街道办事处))", re.M)


_AGENCY_END = re.compile(r"(?:人民政府|政府|委员会|办公室|办公厅|管理局|局|厅|委|院|中心|署|街道办事处|办事处|管委会|"
                         r"指挥部|公司|所|站|队|处|馆|会|部|行|社|台|校|学院|大学)$")


def signature(paras: list) -> str:
    """The agency named in the signature (落款) at the end: its name on a line before the date, or both on
    one line; "" when there is none."""
    tail = [strip_text(p.text) for _, p in paras][-12:]
    while tail and (is_furniture(tail[-1]) or is_chrome(tail[-1])):
        tail.pop()
    if not tail:
        return ""
    last = _squash(tail[-1])
    m = re.match(r"^(.{2,40}?)((?:\d{4}|[〇零一二三四五六七八九○O]{4})年.*日)$", last)
    if m and _DATE_RE.match(m.group(2)) and plausible_agency(m.group(1)) and _AGENCY_END.search(m.group(1)):
        return m.group(1)
    if _DATE_RE.match(last) and len(tail) >= 2:
        name = _squash(tail[-2])
        if plausible_agency(name) and _AGENCY_END.search(name) and len(name) <= 30:
            return name
    return ""


def _compiled_by(report: dict) -> str:
    """"本报告由某局（负责）编制" in the preamble."""
    m = re.search(r"本(?:年度)?报告由([\u4e00-\u9fa5（）()]{2,40}?)(?:负责|牵头|组织|统一)?(?:编制|编写|起草|汇总|制作)",
                  _squash(report["text"].get("preamble") or ""))
    name = m.group(1) if m else ""
    return name if plausible_agency(name) and _AGENCY_END.search(name) else ""


def _agency_elsewhere(rd: _Reader, report: dict, signed: str, why: str) -> str:
    """The agency when the title does not name it: the signature, the preamble's "本报告由…编制", else the
    name the texts mention most (never a fragment of a sentence); a guess is a finding."""
    if signed:
        rd.note("import.agency_from_signature", "info", f"{why}，按落款读取单位“{signed}”", "agency", guess=signed)
        return signed
    compiled = _compiled_by(report)
    if compiled:
        rd.note("import.agency_from_preamble", "info", f"{why}，按前言“本报告由…编制”读取单位“{compiled}”", "agency",
                guess=compiled)
        return compiled
    text = "\n".join(str(v) for v in report["text"].values() if v)
    counts: dict[str, int] = {}
    for m in _AGENCY_RE.finditer(text):
        name = m.group(1)
        while _PREPOSITION.match(name):
            name = _PREPOSITION.sub("", name, count=1)
        if len(name) >= 3 and plausible_agency(name):
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        rd.note("import.no_agency", "warning", f"{why}，无法确定单位名称", "agency")
        return ""

    def rank(name):
        return (counts[name], bool(re.search(r"[省市县区州旗]", name)), len(name))
    agency = max(counts, key=rank)
    rd.note("import.guessed_agency", "warning", f"{why}，按正文推断单位为“{agency}”，请核对", "agency", guess=agency)
    return agency


def _title_prefix(text: str) -> tuple[str, int] | None:
    """A title at the start of a page title or file name ("…年度报告_某某网")."""
    s = _TITLE_LABEL.sub("", _squash(text or ""))
    m = re.search(r"报告(?:[(（][^()（）]{1,10}[)）])?", s)
    return _title_match(s[:m.end()]) if m else None


def _guess_identity(rd: _Reader, report: dict, blocks, source_title: str, path, signed: str = "") \
        -> tuple[str, int | None]:
    from pathlib import Path

    for where, text in (("网页标题", source_title), ("文件名", Path(str(path)).stem if path else "")):
        m = _title_prefix(text)
        if m and m[0]:
            agency, year = m
            rd.note("import.identity_from_" + ("page_title" if where == "网页标题" else "filename"), "info",
                    f"正文中没有标题，按{where}读取单位“{agency}”、年度 {year}")
            return agency, year
    text = "\n".join(str(v) for v in (report["text"].get("preamble"), report["text"].get("overview"),
                                       report["text"].get("problems"), report["text"].get("other")) if v)
    year = None
    m = re.search(r"统计期限自?(20\d\d)年", text) or re.search(r"(20\d\d)年1月1日", text) or re.search(r"(20\d\d)年", text)
    if m:
        year = int(m.group(1))
        rd.note("import.guessed_year", "warning", f"没有找到报告标题，按正文推断年度为 {year}，请核对", "year", guess=year)
    else:
        rd.note("import.no_year", "warning", "没有找到报告标题，无法确定年度", "year")
    return _agency_elsewhere(rd, report, signed, "没有找到报告标题"), year


def _table_fragment(norm: str, label_words: set[str]) -> bool:
    """A short line that is (a piece of) a table's heading or label ("尚未", "审结", "复议后起诉")."""
    return 2 <= len(norm) <= 6 and any(norm in w for w in label_words)


def flatten_text_grids(blocks: list, specs: list, form: Form) -> list:
    """A table that is not one of the report's and holds running text (a page laid out in a one-cell
    table) is read as paragraphs."""
    out = []
    for b in blocks:
        if isinstance(b, Grid) and classify_grid(b, specs, form) is None and \
                any(len(_squash(s.text)) >= 60 for row in b.rows for s in row):
            seen = set()
            for row in b.rows:
                for slot in row:
                    if slot.origin in seen:
                        continue
                    seen.add(slot.origin)
                    out.extend(Para(line) for line in slot.text.split("\n") if line.strip())
            continue
        out.append(b)
    return out


# ---- 2019 trial format -------------------------------------------------------------------
def check_legacy(blocks, form: Form, path) -> None:
    markers = [(m, form.normalize_label(m)) for m in form.legacy_markers]
    texts = []
    for b in blocks:
        if isinstance(b, Grid):
            texts.extend(s.text for row in b.rows for s in row)
        elif "|" in b.text or len(_squash(b.text)) <= 40:
            texts.extend(b.text.split("|"))
    hits = []
    for t in texts:
        norm = form.normalize_label(t)
        hits.extend(m for m, nm in markers if nm in norm and m not in hits)
    # （六）其他处理 as a single row followed directly by （七）总计
    norms = [form.normalize_label(t) for t in texts]
    norms = [n for n in norms if n]
    for k, n in enumerate(norms):
        if n.endswith("其他处理") and n.startswith("(六)"):
            following = [x for x in norms[k + 1:k + 12] if classify(x, form)[0] == "label"]
            if following and following[0].startswith("(七)"):
                hits.append("（六）其他处理后直接为（七）总计")
            break
    if hits:
        raise InputError(
            "import.legacy_format",
            f"{path}：这是 2019 年试行格式（国办公开办函〔2019〕60号）的年度报告（含“{'”“'.join(hits[:3])}”），"
            f"与 2021 年格式的表格不同，不能按 2021 年格式读取", str(path))


# ---- tables as grids ---------------------------------------------------------------------
def classify_grid(grid: Grid, specs: list[TableSpec], form: Form) -> TableSpec | None:
    norms = {form.normalize_label(s.text) for row in grid.rows for s in row}
    best, best_score = None, 0
    for spec in specs:
        score = len(norms & spec.words)
        if score > best_score:
            best, best_score = spec, score
    return best if best_score >= 2 else None


def _row_kinds(row: list[Slot], form: Form):
    return [classify(s.text, form) for s in row]


def read_grid(rd: _Reader, report: dict, spec: TableSpec, grid: Grid, filled: dict, headers: dict) -> None:
    form = rd.form
    header: list[list[Slot]] = []
    last_was_data = False
    for row in grid.rows:
        kinds = _row_kinds(row, form)
        labels = [(c, s) for c, (s, k) in enumerate(zip(row, kinds)) if k[0] == "label"]
        has_value = any(k[0] in ("number", "blank") for k in kinds)
        match, leaf = None, None
        if labels:
            # the rightmost distinct label names the row
            seen = []
            for c, s in labels:
                if not seen or seen[-1][1].origin != s.origin:
                    seen.append((c, s))
            for c, s in reversed(seen):
                match = match_row(spec, s.text, form, fuzzy=False)
                if match:
                    leaf = s
                    break
            if match is None and has_value:
                for c, s in reversed(seen):
                    match = match_row(spec, s.text, form, fuzzy=True) or _match_last_words(spec, s.text, form)
                    if match:
                        leaf = s
                        break
        elif spec.unlabelled is not None and any(k[0] == "number" for k in kinds):
            match, leaf = spec.unlabelled, None
        if match is None and spec.unlabelled is not None and len({s.origin for _, s in labels}) == 1 and \
                sum(k[0] == "number" for k in kinds) >= len(spec.unlabelled.cells) // 2 and \
                labels[-1][0] < len(row) - len(spec.unlabelled.cells) + 1:
            match, leaf = spec.unlabelled, labels[-1][1]  # e.g. a "件数" column before 表四's numbers
        first_value_col = min(n.c for n in spec.table.numbers) - 1
        if match is not None and leaf is not None and len({s.origin for _, s in labels}) > 1 and \
                not any(k[0] == "number" for k in kinds) and \
                min(c for c, slot in enumerate(row) if slot.origin == leaf.origin) >= first_value_col:
            # "| | | 自然人 | 法人或其他组织 | 总计 |", "| … | 法律服务机构 | 其他 | |": column headings over the
            # number columns (without merges), not the rows （七）总计 and （六）3.其他
            match = None
        if match is None:
            if last_was_data:
                header = []
            header.append(row)
            last_was_data = False
            continue
        last_was_data = True
        if header:
            headers[spec.table.id] = header
        after = max((c for c, slot in enumerate(row) if slot.origin == leaf.origin), default=-1) if leaf else -1
        place_grid_row(rd, report, spec, match, row, kinds, headers.get(spec.table.id, []), filled, after)
    if header and not last_was_data:  # a part of a split table ending in header rows: they head the next part
        headers[spec.table.id] = header


def place_grid_row(rd: _Reader, report: dict, spec: TableSpec, rowspec: RowSpec, row: list[Slot], kinds,
                   header: list[list[Slot]], filled: dict, after: int = -1) -> None:
    form = rd.form
    # the cells right of the row's label; a text among them is an unreadable number, not a label
    value_cols = [c for c in range(after + 1, len(row))]
    if after < 0:
        value_cols = [c for c, k in enumerate(kinds) if k[0] in ("number", "blank")]
    heads = {c: list(dict.fromkeys(form.normalize_label(h[c].text) for h in header if c < len(h)
                                   and h[c].text.strip())) for c in value_cols}
    chosen: dict[str, int] = {}
    for cell in rowspec.cells:
        path = spec.col_paths[cell.key]
        scored = [(header_score(path, heads[c]), -c, c) for c in value_cols]
        scored = [s for s in scored if s[0] > 0]
        if scored:
            chosen[cell.key] = max(scored)[2]
    origins = [row[c].origin for c in chosen.values()]
    distinct_cells = len(set(origins)) == len(chosen)
    if len(chosen) == len(rowspec.cells) and distinct_cells:
        for cell in rowspec.cells:
            _store(rd, report, cell, row[chosen[cell.key]].text, filled)
        return
    # no usable header: the row's own value cells, one per merged cell, in order
    values, seen = [], set()
    for c in value_cols:
        if row[c].origin not in seen:
            seen.add(row[c].origin)
            values.append(row[c].text)
    if len(values) == len(rowspec.cells):
        for cell, text in zip(rowspec.cells, values):
            _store(rd, report, cell, text, filled)
        rd.note("import.placed_by_order", "info",
                f"{spec.table.name}「{rowspec.cells[0].row_label}」行的表头无法识别，按列的顺序读取", rowspec.cells[0].key)
        return
    if chosen and distinct_cells:  # the columns whose headers were recognised
        for cell in rowspec.cells:
            if cell.key in chosen:
                _store(rd, report, cell, row[chosen[cell.key]].text, filled)
        return
    rd.note("import.unplaced_row", "warning",
            f"{spec.table.name}「{rowspec.cells[0].row_label}」行有 {len(values)} 个数，应为 {len(rowspec.cells)} 个，"
            f"且表头无法识别，未读取该行", rowspec.cells[0].key, values=values)


def _store(rd: _Reader, report: dict, cell: NumberCell, text: str, filled: dict) -> None:
    kind, value = classify(text, rd.form)
    if kind == "label":
        rd.note("import.unreadable_cell", "warning",
                f"{cell.table_name}「{cell.row_label}」行「{cell.col_label}」列的内容“{clean_text(text)[:30]}”不是数字，按空白处理",
                cell.key, text=text)
        value = None
    elif kind == "number" and cell.type == "count" and isinstance(value, float):
        if value.is_integer():
            value = int(value)
        else:
            rd.note("import.not_whole", "warning",
                    f"{cell.table_name}「{cell.row_label}」行「{cell.col_label}」列为 {text}，件数应为整数，按空白处理", cell.key)
            value = None
    if filled.get(cell.key):
        prev = get_path(report, cell.key)
        if prev != value:
            rd.note("import.duplicate_row", "warning",
                    f"{cell.table_name}「{cell.row_label}」行出现了不止一次，取第一次的数", cell.key)
        return
    set_path(report, cell.key, value)
    filled[cell.key] = True


# ---- tables as copied text ------------------------------------------------------------
_CELL_SEP = re.compile(r"\t|[|｜]|[ \u00a0\u3000]{2,}")  # cell boundaries: pipes, tabs, runs of spaces


EMPTY_CELL = ""  # the token of nothing between two pipes: an empty cell the copy kept


def loose_tokens(lines: list[str], form: Form) -> list[tuple[str, int]]:
    """Copied table text → (cell text, line index) tokens. A number is always a cell of its own, even
    when separated by one space (`447 7 0 0 0 0 454`): digits are never joined across a space. Nothing
    between two pipes (`| 411 |  | 348 |`, or a web page's table copied with one `|` line per empty cell)
    is an empty cell, EMPTY_CELL."""
    out = []
    after_pipe = False  # the last thing seen was a pipe: another pipe now closes an empty cell
    framed = [_framed(line) for line in lines]
    for n, line in enumerate(lines):
        tokens: list[tuple[str, int]] = []
        empties = 0
        # a row framed by pipes among others like it (`| a | 3 |  |`): its first pipe opens the row, not a cell,
        # and its empty cells, the last one too, are cells of that row
        row = framed[n] and ((n > 0 and framed[n - 1]) or (n + 1 < len(lines) and framed[n + 1]))
        if row:
            after_pipe = False
        for piece in _PIPE.split(line):
            if _PIPE.fullmatch(piece):
                if after_pipe:
                    tokens.append((_EMPTY_IN_ROW if row else EMPTY_CELL, n))
                    empties += 1
                after_pipe = True
                continue
            if not piece.strip():
                continue
            after_pipe = False
            tokens.extend(_piece_tokens(piece, n, form))
        if empties and len(tokens) > empties and not any(classify(t, form)[0] == "number" for t, _ in tokens):
            tokens = [t for t in tokens if t[0] not in (EMPTY_CELL, _EMPTY_IN_ROW)]  # a header's or caption's
        out.extend(tokens)
    return out


_PIPE = re.compile(r"([|｜])")
_EMPTY_IN_ROW = "／"  # an empty cell inside a framed row: a blank marker, kept when it is the row's last


def _framed(line: str) -> bool:
    s = line.strip()
    return len(s) > 2 and s[0] in "|｜" and s[-1] in "|｜" and bool(_PIPE.sub("", s).strip())


def _piece_tokens(text: str, n: int, form: Form) -> list[tuple[str, int]]:
    out = []
    for piece in _CELL_SEP.split(text):
        label: list[str] = []
        for word in piece.split():
            if classify(word, form)[0] == "label":
                label.append(word)
                continue
            if label:
                out.append((" ".join(label), n))
                label = []
            out.append((word, n))
        if label:
            out.append((" ".join(label), n))
    return out


def row_identities(form: Form, keys) -> list:
    """The form's sum rules whose every term lies in one row (e.g. 总计 = the six applicant columns)."""
    keys = set(keys)
    return [r for r in form.rules if r.kind == "sum" and not r.needs_prior and
            {t.path for t in (*r.left, *r.right)} <= keys]


def _holds(rules, values: dict) -> bool:
    def v(path):
        kind, value = values[path]
        return value if kind == "number" else 0
    return all(abs(sum(t.sign * v(t.path) for t in r.left) - sum(t.sign * v(t.path) for t in r.right)) < 1e-6
               for r in rules)


def _all_numbers(rule, values: dict) -> bool:
    return all(values[t.path][0] == "number" for t in (*rule.left, *rule.right))


_MAX_SPLITS = 20000


def digit_splits(vals: list[str], n: int):
    """Every way to cut runs of digits that lost their separators (`44770000454`) so that `vals` become
    `n` cells (no cell with a leading zero); None when there are too many to try."""
    out: list[list[str]] = []

    def cuts(text: str, parts: int):
        if parts == 1:
            if text == "0" or not text.startswith("0"):
                yield [text]
            return
        for k in range(1, len(text) - parts + 2):
            head = text[:k]
            if head != "0" and head.startswith("0"):
                break
            for rest in cuts(text[k:], parts - 1):
                yield [head, *rest]

    def walk(i: int, left: int, acc: list[str]):
        if len(out) > _MAX_SPLITS:
            return
        if i == len(vals):
            if left == 0:
                out.append(list(acc))
            return
        v = vals[i]
        room = left - (len(vals) - i - 1)
        most = min(room, len(v)) if v.isdigit() else 1
        for parts in range(1, most + 1):
            for piece in cuts(v, parts) if parts > 1 else [[v]]:
                walk(i + 1, left - parts, acc + piece)

    walk(0, n, [])
    return None if len(out) > _MAX_SPLITS else out


def _quote(text: str) -> str:
    text = clean_text(text)
    return text if len(text) <= 80 else text[:80] + "…"


def place_loose_row(rd: _Reader, report: dict, spec: TableSpec, cells, vals: list[str], text: str,
                    filled: dict) -> bool:
    """Store one copied row when its cells are certain; else leave them blank and quote the row."""
    form = rd.form
    n = len(cells)
    name = spec.table.name + (f"「{cells[0].row_label}」行" if cells[0].row_label else "")
    rules = row_identities(form, [c.key for c in cells])

    def values_of(candidate):
        return {c.key: classify(v, form) for c, v in zip(cells, candidate)}

    while vals and vals[-1] == EMPTY_CELL:  # pipes after a row's last cell say nothing of its columns
        vals = vals[:-1]
    kinds = [classify(v, form)[0] for v in vals]
    while len(vals) > n and kinds[-1] == "blank" and EMPTY_CELL not in vals:  # after the row's last cell (merged)
        vals, kinds = vals[:-1], kinds[:-1]
    if n == 1 and kinds.count("number") == 1 and set(kinds) <= {"number", "blank"}:
        vals = [vals[kinds.index("number")]]  # one cell, one number (a merged cell's number, centred)
    if len(vals) == n:
        # a rule with an empty cell among its terms cannot tell a scrambled row: the cells are where the copy
        # put them (a report that publishes only the 总计 leaves the applicant columns empty)
        if not rules or _holds([r for r in rules if _all_numbers(r, values_of(vals))], values_of(vals)):
            for cell, v in zip(cells, vals):
                _store(rd, report, cell, v, filled)
            if n > 1 and cells[-1].col_label == "总计" and [k for k in kinds] == ["blank"] * (n - 1) + ["number"]:
                rd.note("import.total_only", "info", f"{name}只公开了“总计”列，申请人各列为空白", cells[-1].key)
            return True
        rd.note("import.uncertain_row", "warning",
                f"{name}的 {n} 个数不符合表内的勾稽关系，可能是复制时次序错乱，未读取该行（原文：“{_quote(text)}”）",
                cells[0].key, text=text, values=vals)
        return False
    if len(vals) < n and rules:
        splits = digit_splits(vals, n)
        good = [c for c in splits or [] if _holds(rules, values_of(c))]
        if splits is not None and len(good) == 1:
            for cell, v in zip(cells, good[0]):
                _store(rd, report, cell, v, filled)
            rd.note("import.split_by_identity", "info",
                    f"{name}的数字连在了一起（原文：“{_quote(text)}”），只有一种拆分符合表内的勾稽关系，按 "
                    f"{' '.join(good[0])} 读取", cells[0].key, text=text, values=good[0])
            return True
    lone = kinds.count("number") == 1 and kinds[-1] == "number"  # empty cells (if any) before one number
    if lone and n > 1 and cells[-1].col_label == "总计" and classify(vals[-1], form) == ("number", 0):
        _store(rd, report, cells[-1], vals[-1], filled)
        for cell in cells[:-1]:
            filled.setdefault(cell.key, True)
        rd.note("import.total_only", "info",
                f"{name}只有一个数 0，按“总计”列读取，申请人各列按空白处理（复制的文字丢失了空白单元格）", cells[-1].key)
        return True
    rd.note("import.unplaced_row", "warning",
            f"{name}有 {len(vals)} 个数，应为 {n} 个，无法确定各数所在的列，未读取该行，按空白处理"
            f"（原文：“{_quote(text)}”）", cells[0].key, text=text, values=vals)
    return False


def in_form_order(rows: list) -> list:
    """Rows of copied text come in the form's order: keep the longest run of matched rows whose form
    rows increase; a label out of that order (a heading word, numbers displaced by the copy) loses its
    match and its numbers count as unplaced."""
    matched = [k for k, (spec, vals, *_rest) in enumerate(rows) if spec is not None and vals]
    best: dict[int, list[int]] = {}
    for k in matched:
        chain = max((best[j] for j in best if rows[j][0].r < rows[k][0].r), key=len, default=[])
        best[k] = [*chain, k]
    keep = set(max(best.values(), key=len, default=[]))
    return [row if k in keep or row[0] is None or not row[1] else (None, *row[1:]) for k, row in enumerate(rows)]


def read_loose(rd: _Reader, report: dict, spec: TableSpec, lines: list[str], filled: dict) -> None:
    """Copied table text, empty cells lost: place by row labels and value counts, only when certain."""
    form = rd.form
    tokens = loose_tokens(lines, form)
    column_words = {w for path in spec.col_paths.values() for w in path}
    kinds = [classify(tok, form)[0] for tok, _ in tokens]
    rows: list[tuple[RowSpec | None, list[str], int, int]] = []  # row, values, first and last line
    current: RowSpec | None = None
    values: list[str] = []
    first = last = 0
    pending = ""  # a label with nothing after it: the first line of a label broken over two lines
    for k, (tok, line) in enumerate(tokens):
        if kinds[k] == "label":
            if values or current is not None:
                rows.append((current, values, first, last))
            pending = "" if values else pending
            values, first, last = [], line, line
            followed = k + 1 < len(tokens) and kinds[k + 1] != "label"
            current = match_row(spec, tok, form, fuzzy=False)
            if form.normalize_label(tok) in column_words:
                current = None  # "其他", "总计": a column heading, not the rows （六）3.其他 or （七）总计
            if current is None and followed:
                # "无法提 2.没有现成信息…": the row's own label comes last
                current = _match_last_words(spec, tok, form) or match_row(spec, tok, form, fuzzy=True)
                if current is None and pending:
                    current = match_row(spec, pending + tok, form, fuzzy=True)
            pending = tok if current is None else ""
            continue
        values.append(tok)
        last = line
    rows.append((current, values, first, last))
    rows = in_form_order(rows)
    got_any = False
    loose, loose_lines = [], []
    matched = [k for k, row in enumerate(rows) if row[0] is not None]
    for k, (rowspec, vals, a, b) in enumerate(rows):
        if rowspec is None:
            loose.extend(vals)
            if vals:
                loose_lines.extend(range(a, b + 1))
            continue
        if not vals:
            continue
        got_any = True
        text = " / ".join(lines[a:b + 1])
        at = matched.index(k)
        beside = [rows[j] for j in matched[max(0, at - 1):at + 2] if j != k]
        if b > a and any(not other[1] for other in beside):
            # numbers on lines of their own next to a row that lost all of its numbers: in text copied in
            # reading order they may belong to either row
            n = len(rowspec.cells)
            rd.note("import.unplaced_row", "warning",
                    f"{spec.table.name}「{rowspec.cells[0].row_label}」行的 {len(vals)} 个数与相邻的空行无法区分归属，"
                    f"未读取该行，按空白处理（原文：“{_quote(text)}”）", rowspec.cells[0].key, text=text, values=vals,
                    expected=n)
            continue
        place_loose_row(rd, report, spec, rowspec.cells, vals, text, filled)
    # label-less rows (表四): all the numbers not under a row label
    if loose:
        text = " / ".join(lines[i] for i in dict.fromkeys(loose_lines))
        if spec.unlabelled is not None:
            got_any = place_loose_row(rd, report, spec, spec.unlabelled.cells, loose, text, filled) or got_any
        else:
            rd.note("import.unplaced_values", "warning",
                    f"{spec.table.name}中有 {len(loose)} 个数无法对应到表中的行，未读取（原文：“{_quote(text)}”）",
                    spec.table.numbers[0].key, values=loose, text=text)
    if got_any:
        rd.note("import.copied_text_table", "info",
                f"{spec.table.name}来自复制的文字，按行名称和每行数字个数定位各数，无法确定的行留空并已列出，请与原文核对")
