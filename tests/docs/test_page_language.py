"""docs/hooks/page_language.py: pages under docs/ko/ declare lang="ko"; other pages keep the theme's."""
import importlib.util
import os
import types

import pytest

HOOK = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "hooks", "page_language.py")
_spec = importlib.util.spec_from_file_location("page_language", HOOK)
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

HTML = '<!doctype html>\n<html lang="en" class="no-js">\n<head></head><body><p lang="en">x</p></body></html>'


def page(src_uri):
    return types.SimpleNamespace(file=types.SimpleNamespace(src_uri=src_uri))


@pytest.mark.parametrize("src, lang", [("ko/rnn-tutorial.md", "ko"), ("rnn-tutorial.md", "en"),
                                       ("examples/translation.md", "en"), ("ko.md", "en")])
def test_html_lang_follows_the_folder(src, lang):
    out = hook.on_post_page(HTML, page(src), config={})
    html_tag = out.split("\n")[1]
    assert html_tag.count("lang=") == 1 and f'lang="{lang}"' in html_tag and 'class="no-js"' in html_tag
    assert '<p lang="en">' in out  # only the <html> element is touched


def test_every_korean_page_is_covered():
    docs = os.path.join(os.path.dirname(HOOK), "..")
    korean = [f for f in os.listdir(os.path.join(docs, "ko")) if f.endswith(".md")]
    assert korean and all('lang="ko"' in hook.on_post_page(HTML, page("ko/" + f), {}) for f in korean)
