"""The list editor on its own: where an entry goes, and each upstream list format."""

from __future__ import annotations

import pytest

from codegen.browser_patches.lists import Entry, ListEdit, ListNotFound, apply_edit, insertion_index


def edit(kind: str, name: str, *entries: Entry, order: str = "ascii") -> ListEdit:
    return ListEdit("some/file", kind, name, tuple(entries), order)


def strings(*keys: str) -> tuple[Entry, ...]:
    return tuple(Entry(k, (k,)) for k in keys)


def test_a_sorted_list_takes_the_entry_between_its_neighbours():
    assert insertion_index(["a", "c", "e"], "d", "ascii") == 2
    assert insertion_index(["b", "c"], "a", "ascii") == 0
    assert insertion_index(["b", "c"], "z", "ascii") == 2
    assert insertion_index([], "a", "ascii") == 0


def test_an_out_of_order_entry_upstream_does_not_drag_the_new_one_along():
    # "webrtc" was appended among the m's upstream; the first greater entry would be it.
    keys = ["media", "webrtc", "native_io", "webgpu", "webmidi", "webshare", "xr"]
    assert insertion_index(keys, "webnpu", "ascii") == 5


def test_an_unsorted_tail_does_not_pull_the_entry_to_the_end():
    # A locally sorted gap wins over the place with the fewest inversions overall.
    keys = ["w.a", "w.n", "w.z", "w.b", "w.c", "w.d", "w.e"]
    assert insertion_index(keys, "w.p", "ascii") == 2


def test_casefold_order_is_that_of_mozilla_lists():
    keys = ["MIDIAccess.webidl", "MouseEvent.webidl", "Navigator.webidl", "OfflineAudio.webidl"]
    assert insertion_index(keys, "NPUEvent.webidl", "casefold") == 3
    assert insertion_index(keys, "NPUEvent.webidl", "ascii") == 2


def test_grouped_lists_follow_the_named_neighbour_and_keep_our_own_order():
    keys = ["abort", "webgpu", "webnpu", "chrome"]
    assert insertion_index(keys, "webnpu/native", "after:webgpu", frozenset({"webnpu"})) == 3
    assert insertion_index(["x"], "y", "after:missing") == 1


BRACKET = """\
component("modules") {
  sub_modules = [
    "//a",  # a comment on an entry
    "//c",
  ]
  sub_modules += [ "//z" ]
}
"""


def test_bracket_lists_keep_their_indentation_and_trailing_comments():
    out = apply_edit(BRACKET, edit("bracket", "sub_modules", *strings("//b")))
    assert '    "//a",  # a comment on an entry\n    "//b",\n    "//c",\n' in out


def test_a_one_line_list_is_not_taken_for_the_multi_line_one():
    text = 'x = [ "a" ]\n'
    with pytest.raises(ListNotFound, match=r"^some/file:1: no multi-line list `x = \[`"):
        apply_edit(text, edit("bracket", "x", *strings("b")))


def test_an_unclosed_list_is_reported_at_its_first_line():
    with pytest.raises(ListNotFound, match=r"^some/file:2: list `x` is never closed"):
        apply_edit('# header\nx = [\n  "a",\n', edit("bracket", "x", *strings("b")))


JSON5 = """\
{
  data: [
    {
      name: "Alpha",
    },
    // Zeta's comment belongs to Zeta.
    {
      name: "Zeta",
      status: "test",
    },
  ],
}
"""


def test_json5_dicts_go_before_the_comment_of_the_next_dict():
    block = ("{", '  name: "Mid",', "},")
    out = apply_edit(JSON5, edit("json5-dicts", "data", Entry("Mid", block)))
    assert (
        '    },\n    {\n      name: "Mid",\n    },\n    // Zeta\'s comment belongs to Zeta.\n'
        in out
    )


def test_json5_dict_without_a_name_is_an_error():
    text = "{\n  data: [\n    {\n      status: 1,\n    },\n  ],\n}\n"
    with pytest.raises(ListNotFound, match=r"^some/file:3: a dict in `data` has no name"):
        apply_edit(text, edit("json5-dicts", "data", Entry("A", ("{", "},"))))


DICT = """\
DOMInterfaces = {

'Alpha': {
    'nativeType': 'A',
},

'Omega': {
    'implicitJSContext': [
        'x',
    ],
},

}
"""


def test_dict_entries_are_separated_by_blank_lines_at_the_end_too():
    last = Entry("Zeta", ("'Zeta': {", "    'nativeType': 'Z',", "},"))
    out = apply_edit(DICT, edit("dict-entries", "DOMInterfaces", last))
    assert "    ],\n},\n\n'Zeta': {\n    'nativeType': 'Z',\n},\n\n}\n" in out
    middle = Entry("Beta", ("'Beta': {", "},"))
    out = apply_edit(DICT, edit("dict-entries", "DOMInterfaces", middle))
    assert "'A',\n},\n\n'Beta': {\n},\n\n'Omega'" in out


YAML = """\
#---------------------------------------------------------------------------
# Prefs starting with "dom."
#---------------------------------------------------------------------------

- name: dom.a
  type: bool
  value: true
  mirror: always

#ifdef XP_WIN
-   name: dom.m
    type: bool
    value: true
    mirror: always
#endif

# About z.
- name: dom.z
  type: bool
  value: false
  mirror: always

#---------------------------------------------------------------------------
# Prefs starting with "editor"
#---------------------------------------------------------------------------
"""


def test_prefs_go_before_the_next_prefs_comment_and_never_into_a_preprocessor_block():
    pref = Entry("dom.n", ("- name: dom.n", "  type: bool"))
    out = apply_edit(YAML, edit("yaml-prefs", "dom.", pref))
    assert "#endif\n\n- name: dom.n\n  type: bool\n\n# About z.\n" in out


def test_the_last_pref_of_a_section_stays_inside_the_section():
    pref = Entry("dom.zz", ("- name: dom.zz", "  type: bool"))
    out = apply_edit(YAML, edit("yaml-prefs", "dom.", pref))
    assert "  mirror: always\n\n- name: dom.zz\n  type: bool\n\n#-----" in out


def test_a_missing_pref_section_is_an_error():
    with pytest.raises(
        ListNotFound, match='^some/file:1: no section `# Prefs starting with "gfx."`'
    ):
        apply_edit(YAML, edit("yaml-prefs", "gfx.", Entry("gfx.a", ("- name: gfx.a",))))


def test_after_line_edits_and_their_missing_anchor():
    text = "A includes B;\nA includes C;\n"
    out = apply_edit(text, edit("after-line", "A includes B;", *strings("A includes N;")))
    assert out == "A includes B;\nA includes N;\nA includes C;\n"
    assert apply_edit(out, edit("after-line", "A includes B;", *strings("A includes N;"))) == out
    with pytest.raises(ListNotFound, match="^some/file:1: anchor line `A includes X;` not found"):
        apply_edit(text, edit("after-line", "A includes X;", *strings("A includes N;")))


@pytest.mark.parametrize(
    ("kind", "name", "text", "entry"),
    [
        ("bracket", "sub_modules", BRACKET, Entry("//b", ("//b",))),
        ("json5-dicts", "data", JSON5, Entry("Mid", ("{", '  name: "Mid",', "},"))),
        ("dict-entries", "DOMInterfaces", DICT, Entry("Beta", ("'Beta': {", "},"))),
        ("yaml-prefs", "dom.", YAML, Entry("dom.n", ("- name: dom.n",))),
    ],
)
def test_every_format_is_idempotent(kind, name, text, entry):
    once = apply_edit(text, edit(kind, name, entry))
    assert once != text
    assert apply_edit(once, edit(kind, name, entry)) == once
