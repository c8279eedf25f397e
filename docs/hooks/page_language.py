"""MkDocs hook: pages under a language folder (docs/ko/...) declare their language.

The theme writes one ``<html lang="en">`` for the whole site. Screen readers, hyphenation, fonts
and translation prompts go by that attribute, so a Korean page must say ``lang="ko"``.
"""
import re

LANGUAGES = {"ko": "ko"}  # first folder of the page's path -> its language code
_HTML_TAG = re.compile(r"<html\b[^>]*>")


def on_post_page(output, page, config):
    folder = page.file.src_uri.split("/", 1)[0]
    lang = LANGUAGES.get(folder) if "/" in page.file.src_uri else None
    if lang is None:
        return output

    def set_lang(match):
        tag = re.sub(r'\slang="[^"]*"', "", match.group(0))
        return tag[:-1].rstrip() + f' lang="{lang}">'

    return _HTML_TAG.sub(set_lang, output, count=1)
