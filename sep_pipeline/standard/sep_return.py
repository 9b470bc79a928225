"""SEP Return v1 — the partnership's data standard, as code.

This module is the single source of truth: the Pandera schemas (`schemas.py`), the header and
value matching (`matching.py`), the partner template (`template.py`) and the reference page
(`docs/standard.md`, from `tools/docs_gen.py`) are all generated from the objects below. Adding a
field or a code is a change here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

TEMPLATE_VERSION = "1.0"
FIRST_PERIOD = "2020-21 Q1"

# Warning thresholds (see "Acceptance" in the standard).
NOT_KNOWN_WARN_SHARE = 0.20  # share of "Not known" in a characteristic column ...
NOT_KNOWN_MIN_ROWS = 10  # ... of a sheet with at least this many rows (fewer is noise)
HEADCOUNT_CHANGE_WARN_SHARE = 0.20  # change in headcount against the previous quarter
PAY_OUTLIER_FACTOR = 8.0  # pay over 8x or under 1/8 of the median: a salary or a slipped digit,
# while a chief executive on ~7x a council's median is real
PAY_OUTLIER_MIN_STAFF = 10  # too few staff for a meaningful median below this

Kind = Literal[
    "text",  # free text
    "ref",  # a reference such as "EMP001"; numbers are read as their digits
    "code",  # one value from a code list
    "codes",  # a list of values from a code list, separated by ";" or ","
    "bool",  # Yes / No
    "date",
    "number",
    "money",  # pounds; "£1,234.50" accepted
    "integer",
    "age_band",  # an age band, or an integer age banded on reading
]


@dataclass(frozen=True)
class Code:
    code: str
    en: str
    cy: str
    synonyms: tuple[str, ...] = ()
    group: str | None = None  # e.g. the broad ethnic group


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: tuple[Code, ...]
    # Synonyms that stand for several codes at once, e.g. "LGBTQ+" (multi-valued lists only).
    expansions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def get(self, code: str) -> Code:
        for c in self.codes:
            if c.code == code:
                return c
        raise KeyError(code)

    def label(self, code: str, lang: str = "en") -> str:
        c = self.get(code)
        return c.cy if lang == "cy" else c.en


@dataclass(frozen=True)
class Field:
    name: str
    en: str
    cy: str
    kind: Kind
    required: bool = False
    codes: CodeList | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    unique: bool = False
    blank: object = None  # what a blank cell means (e.g. bonus 0, characteristic not known)
    synonyms: tuple[str, ...] = ()
    hint_en: str = ""
    hint_cy: str = ""
    pseudonymise: bool = False  # replaced by a keyed HMAC on intake; never stored raw

    def label(self, lang: str = "en") -> str:
        return self.cy if lang == "cy" else self.en


# --- Cross-field and cross-sheet rules -------------------------------------------------------
# Each rule is data; `intake/validate.py` knows how to check each kind, `tools/docs_gen.py` how to
# print it.


@dataclass(frozen=True)
class RequiredWhen:
    """`field` must be filled in when `when_field` has one of `when_values`."""

    field: str
    when_field: str
    when_values: tuple[object, ...]
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class BlankWhen:
    """`field` must be blank when `when_field` has one of `when_values`."""

    field: str
    when_field: str
    when_values: tuple[object, ...]
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class Implies:
    """When `field` is `value`, `then_field` must be `then_value` (appointed => shortlisted)."""

    field: str
    value: object
    then_field: str
    then_value: object
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class DateOrder:
    """`earlier` must be on or before `later` when both are given."""

    earlier: str
    later: str
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class InPeriod:
    """A date that must fall in the return's quarter (`bound="quarter"`), or not after its
    snapshot date (`bound="snapshot"`); optionally only where `when_field` is `when_value`."""

    field: str
    bound: Literal["quarter", "snapshot"]
    en: str
    cy: str
    when_field: str | None = None
    when_value: object = None
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class References:
    """Every value of `field` must exist in `other_sheet.other_field` of the same return."""

    field: str
    other_sheet: str
    other_field: str
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class CategoryOf:
    """`category` must be a code of the characteristic named in `characteristic_field`."""

    field: str
    characteristic_field: str
    en: str
    cy: str
    severity: Literal["error", "warning"] = "error"


Rule = RequiredWhen | BlankWhen | Implies | DateOrder | InPeriod | References | CategoryOf


@dataclass(frozen=True)
class Sheet:
    name: str
    cy: str
    table: str  # warehouse table
    required: bool
    row_en: str  # "one row per ..."
    row_cy: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    synonyms: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def label(self, lang: str = "en") -> str:
        return self.cy if lang == "cy" else self.name


# --- Code lists ------------------------------------------------------------------------------

PREFER_NOT_TO_SAY = Code(
    "prefer_not_to_say",
    "Prefer not to say",
    "Mae'n well gen i beidio â dweud",
    ("PNTS", "Prefer not to answer", "Declined", "Not disclosed", "Gwell gen i beidio â dweud",
     "Gwell gennyf beidio â dweud"),
)
NOT_KNOWN = Code(
    "not_known", "Not known", "Ddim yn hysbys", ("Unknown", "Not recorded", "Anhysbys")
)


def _characteristic(name: str, *codes: Code, not_known_only: bool = False) -> CodeList:
    extra = (NOT_KNOWN,) if not_known_only else (PREFER_NOT_TO_SAY, NOT_KNOWN)
    return CodeList(name, tuple(codes) + extra)


YES_NO_CODES = CodeList(
    "yes_no",
    (
        Code("yes", "Yes", "Ie", ("Y", "True", "Oes", "Do", "Ydy", "1")),
        Code("no", "No", "Na", ("N", "False", "Nac oes", "Naddo", "Nac ydy", "0")),
    ),
)

SEX = _characteristic(
    "sex",
    Code("female", "Female", "Benyw", ("F", "Woman", "Women", "Menyw")),
    Code("male", "Male", "Gwryw", ("M", "Man", "Men", "Dyn")),
)
GENDER_IDENTITY = _characteristic(
    "gender_identity",
    Code("yes", "Yes", "Ie", ("Y", "Same")),
    Code("no", "No", "Na", ("N", "Different")),
)
AGE_BANDS = ((16, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 64), (65, None))
AGE_BAND = _characteristic(
    "age_band",
    *(
        Code(f"{lo}-{hi}", f"{lo}-{hi}", f"{lo}-{hi}", (f"{lo} to {hi}", f"{lo} i {hi}"))
        if hi
        else Code(f"{lo}+", f"{lo}+", f"{lo}+", (f"{lo} and over", f"{lo} a throsodd"))
        for lo, hi in AGE_BANDS
    ),
)
DISABILITY = _characteristic(
    "disability",
    Code("disabled", "Disabled", "Anabl", ("Yes", "Ie")),
    Code("not_disabled", "Not disabled", "Ddim yn anabl", ("No", "Na", "Non-disabled")),
)


def _eth(code: str, en: str, cy: str, group: str, *syn: str) -> Code:
    return Code(code, en, cy, syn, group)


ETHNICITY = _characteristic(
    "ethnicity",
    _eth("white_british", "White: Welsh, English, Scottish, Northern Irish or British",
         "Gwyn: Cymreig, Seisnig, Albanaidd, Gwyddelig Gogledd Iwerddon neu Brydeinig", "white",
         "White British", "White Welsh", "Welsh", "British", "English", "Scottish",
         "Northern Irish", "Gwyn Cymreig", "Gwyn Prydeinig"),
    _eth("white_irish", "White: Irish", "Gwyn: Gwyddelig", "white", "Irish"),
    _eth("white_gypsy_traveller", "White: Gypsy or Irish Traveller",
         "Gwyn: Sipsi neu Deithiwr Gwyddelig", "white", "Gypsy or Irish Traveller",
         "Gypsy", "Irish Traveller"),
    _eth("white_roma", "White: Roma", "Gwyn: Roma", "white", "Roma"),
    _eth("white_other", "White: Any other White background",
         "Gwyn: Unrhyw gefndir Gwyn arall", "white", "Other White", "Any other White background"),
    _eth("mixed_white_black_caribbean", "Mixed or Multiple: White and Black Caribbean",
         "Cymysg neu Amlethnig: Gwyn a Du Caribïaidd", "mixed", "White and Black Caribbean"),
    _eth("mixed_white_black_african", "Mixed or Multiple: White and Black African",
         "Cymysg neu Amlethnig: Gwyn a Du Affricanaidd", "mixed", "White and Black African"),
    _eth("mixed_white_asian", "Mixed or Multiple: White and Asian",
         "Cymysg neu Amlethnig: Gwyn ac Asiaidd", "mixed", "White and Asian"),
    _eth("mixed_other", "Mixed or Multiple: Any other Mixed or Multiple background",
         "Cymysg neu Amlethnig: Unrhyw gefndir Cymysg neu Amlethnig arall", "mixed",
         "Other Mixed", "Any other Mixed or Multiple background"),
    _eth("asian_indian", "Asian, Asian Welsh or Asian British: Indian",
         "Asiaidd, Asiaidd Cymreig neu Asiaidd Prydeinig: Indiaidd", "asian", "Indian"),
    _eth("asian_pakistani", "Asian, Asian Welsh or Asian British: Pakistani",
         "Asiaidd, Asiaidd Cymreig neu Asiaidd Prydeinig: Pacistanaidd", "asian", "Pakistani"),
    _eth("asian_bangladeshi", "Asian, Asian Welsh or Asian British: Bangladeshi",
         "Asiaidd, Asiaidd Cymreig neu Asiaidd Prydeinig: Bangladeshaidd", "asian",
         "Bangladeshi"),
    _eth("asian_chinese", "Asian, Asian Welsh or Asian British: Chinese",
         "Asiaidd, Asiaidd Cymreig neu Asiaidd Prydeinig: Tsieineaidd", "asian", "Chinese"),
    _eth("asian_other", "Asian, Asian Welsh or Asian British: Any other Asian background",
         "Asiaidd, Asiaidd Cymreig neu Asiaidd Prydeinig: Unrhyw gefndir Asiaidd arall", "asian",
         "Other Asian", "Any other Asian background"),
    _eth("black_african", "Black, Black Welsh, Black British, Caribbean or African: African",
         "Du, Du Cymreig, Du Prydeinig, Caribïaidd neu Affricanaidd: Affricanaidd", "black",
         "African", "Black African"),
    _eth("black_caribbean", "Black, Black Welsh, Black British, Caribbean or African: Caribbean",
         "Du, Du Cymreig, Du Prydeinig, Caribïaidd neu Affricanaidd: Caribïaidd", "black",
         "Caribbean", "Black Caribbean"),
    _eth("black_other",
         "Black, Black Welsh, Black British, Caribbean or African: Any other Black background",
         "Du, Du Cymreig, Du Prydeinig, Caribïaidd neu Affricanaidd: Unrhyw gefndir Du arall",
         "black", "Other Black", "Any other Black background"),
    _eth("other_arab", "Other ethnic group: Arab", "Grŵp ethnig arall: Arabaidd", "other",
         "Arab"),
    _eth("other_any", "Other ethnic group: Any other ethnic group",
         "Grŵp ethnig arall: Unrhyw grŵp ethnig arall", "other", "Any other ethnic group"),
)
ETHNICITY_GROUP = _characteristic(
    "ethnicity_group",
    Code("white", "White", "Gwyn"),
    Code("mixed", "Mixed or Multiple", "Cymysg neu Amlethnig", ("Mixed",)),
    Code("asian", "Asian, Asian Welsh or Asian British", "Asiaidd, Asiaidd Cymreig neu Asiaidd "
         "Prydeinig", ("Asian",)),
    Code("black", "Black, Black Welsh, Black British, Caribbean or African",
         "Du, Du Cymreig, Du Prydeinig, Caribïaidd neu Affricanaidd", ("Black",)),
    Code("other", "Other ethnic group", "Grŵp ethnig arall", ("Other",)),
)
ETHNIC_MINORITY_GROUPS = ("mixed", "asian", "black", "other")
SEXUAL_ORIENTATION = _characteristic(
    "sexual_orientation",
    Code("heterosexual_or_straight", "Heterosexual or straight", "Heterorywiol neu syth",
         ("Heterosexual", "Straight")),
    Code("gay_or_lesbian", "Gay or lesbian", "Hoyw neu lesbiaidd", ("Gay", "Lesbian")),
    Code("bisexual", "Bisexual", "Deurywiol"),
    Code("other_sexual_orientation", "Other sexual orientation", "Cyfeiriadedd rhywiol arall",
         ("Other",)),
)
RELIGION = _characteristic(
    "religion",
    Code("no_religion", "No religion", "Dim crefydd", ("None",)),
    Code("christian", "Christian", "Cristnogol", ("Christianity",)),
    Code("buddhist", "Buddhist", "Bwdhaidd"),
    Code("hindu", "Hindu", "Hindŵaidd"),
    Code("jewish", "Jewish", "Iddewig"),
    Code("muslim", "Muslim", "Mwslimaidd"),
    Code("sikh", "Sikh", "Sicaidd"),
    Code("any_other_religion", "Any other religion", "Unrhyw grefydd arall", ("Other",)),
)
MARITAL_STATUS = _characteristic(
    "marital_status",
    Code("married", "Married", "Yn briod"),
    Code("in_a_civil_partnership", "In a civil partnership", "Mewn partneriaeth sifil",
         ("Civil partnership",)),
    Code("neither", "Neither", "Dim un o'r rhain", ("Single", "None of these")),
)
WELSH_LANGUAGE = _characteristic(
    "welsh_language",
    Code("none", "None", "Dim", ("No Welsh", "Dim Cymraeg")),
    Code("entry", "Entry", "Mynediad"),
    Code("foundation", "Foundation", "Sylfaen"),
    Code("intermediate", "Intermediate", "Canolradd"),
    Code("advanced", "Advanced", "Uwch"),
    Code("proficient", "Proficient", "Hyfedr", ("Fluent", "Rhugl")),
    not_known_only=True,
)

# Characteristic fields that every person-level sheet may carry, with their code lists.
CHARACTERISTICS: dict[str, CodeList] = {
    "sex": SEX,
    "gender_identity": GENDER_IDENTITY,
    "age_band": AGE_BAND,
    "disability": DISABILITY,
    "ethnicity": ETHNICITY,
    "sexual_orientation": SEXUAL_ORIENTATION,
    "religion": RELIGION,
    "marital_status": MARITAL_STATUS,
    "welsh_language": WELSH_LANGUAGE,
}
# EngagementProfile may also break participants down by broad ethnic group.
PROFILE_CHARACTERISTICS: dict[str, CodeList] = {
    **CHARACTERISTICS, "ethnicity_group": ETHNICITY_GROUP,
}

LEAVING_REASON = CodeList(
    "leaving_reason",
    (
        Code("resignation", "Resignation", "Ymddiswyddiad", ("Resigned",)),
        Code("retirement", "Retirement", "Ymddeoliad", ("Retired",)),
        Code("dismissal", "Dismissal", "Diswyddiad", ("Dismissed",)),
        Code("redundancy", "Redundancy", "Colli swydd", ("Redundant", "Dileu swydd")),
        Code("end_of_fixed_term_contract", "End of fixed-term contract",
             "Diwedd contract cyfnod penodol", ("End of contract", "End of FTC")),
        Code("transfer_tupe", "Transfer (TUPE)", "Trosglwyddo (TUPE)", ("TUPE", "Transfer")),
        Code("death_in_service", "Death in service", "Marwolaeth mewn swydd"),
        Code("other", "Other", "Arall"),
    ),
)
JOB_LEVEL = CodeList(
    "job_level",
    (
        Code("apprentice_or_trainee", "Apprentice or trainee", "Prentis neu hyfforddai",
             ("Apprentice", "Trainee")),
        Code("operational", "Operational", "Gweithredol"),
        Code("professional_or_technical", "Professional or technical",
             "Proffesiynol neu dechnegol", ("Professional", "Technical")),
        Code("team_leader_or_supervisor", "Team leader or supervisor",
             "Arweinydd tîm neu oruchwyliwr", ("Team leader", "Supervisor")),
        Code("middle_manager", "Middle manager", "Rheolwr canol"),
        Code("senior_manager", "Senior manager", "Uwch reolwr"),
        Code("chief_officer_or_director", "Chief officer or director",
             "Prif swyddog neu gyfarwyddwr", ("Chief officer", "Director")),
    ),
)
CONTRACT_TYPE = CodeList(
    "contract_type",
    (
        Code("permanent", "Permanent", "Parhaol"),
        Code("fixed_term", "Fixed-term", "Cyfnod penodol", ("Fixed term", "Temporary")),
        Code("casual_or_zero_hours", "Casual or zero-hours", "Achlysurol neu oriau sero",
             ("Casual", "Zero hours", "Zero-hours")),
    ),
)
WORKING_PATTERN = CodeList(
    "working_pattern",
    (
        Code("full_time", "Full-time", "Llawn amser", ("FT", "Full time")),
        Code("part_time", "Part-time", "Rhan amser", ("PT", "Part time")),
    ),
)
APPLICANT_TYPE = CodeList(
    "applicant_type",
    (Code("external", "External", "Allanol"), Code("internal", "Internal", "Mewnol")),
)
PARTNERSHIP_OBJECTIVE = CodeList(
    "partnership_objective",
    tuple(
        Code(str(i), en, cy, (f"Objective {i}", f"Amcan {i}"))
        for i, (en, cy) in enumerate(
            [
                ("Increase workforce diversity and inclusion",
                 "Cynyddu amrywiaeth a chynhwysiant y gweithlu"),
                ("Eliminate pay gaps", "Dileu bylchau cyflog"),
                ("Engage with the community", "Ymgysylltu â'r gymuned"),
                ("Embed equality in procurement and commissioning",
                 "Ymgorffori cydraddoldeb mewn caffael a chomisiynu"),
                ("Ensure service delivery reflects individual need",
                 "Sicrhau bod darparu gwasanaethau yn adlewyrchu anghenion unigol"),
            ],
            start=1,
        )
    ),
)
# Welsh Government long-term equality aims that each partnership objective serves.
OBJECTIVE_WG_AIMS: dict[str, tuple[int, ...]] = {
    "1": (1, 2, 4, 5, 7, 8),
    "2": (1, 2, 4, 8),
    "3": (1, 2, 3, 4, 5, 6, 7, 8),
    "4": (1, 2, 4, 5, 8),
    "5": (1, 2, 3, 4, 5, 6, 8),
}
ACTIVITY_TYPE = CodeList(
    "activity_type",
    (
        Code("consultation", "Consultation", "Ymgynghoriad"),
        Code("engagement_event", "Engagement event", "Digwyddiad ymgysylltu", ("Event",)),
        Code("survey", "Survey", "Arolwg"),
        Code("focus_group", "Focus group", "Grŵp ffocws"),
        Code("co_production", "Co-production", "Cydgynhyrchu", ("Coproduction",)),
    ),
)
PROCUREMENT_CATEGORY = CodeList(
    "procurement_category",
    (
        Code("goods", "Goods", "Nwyddau"),
        Code("services", "Services", "Gwasanaethau"),
        Code("works", "Works", "Gwaith", ("Construction",)),
    ),
)
SUPPLIER_SIZE = CodeList(
    "supplier_size",
    (
        Code("micro", "Micro", "Micro"),
        Code("small", "Small", "Bach"),
        Code("medium", "Medium", "Canolig"),
        Code("large", "Large", "Mawr"),
        NOT_KNOWN,
    ),
)
SUPPLIER_TYPE = CodeList(
    "supplier_type",
    (
        Code("private_sector", "Private sector", "Sector preifat", ("Private",)),
        Code("third_sector", "Third sector", "Trydydd sector", ("Charity", "Voluntary")),
        Code("social_enterprise", "Social enterprise", "Menter gymdeithasol"),
        Code("supported_business", "Supported business", "Busnes â chymorth"),
        Code("public_sector", "Public sector", "Sector cyhoeddus", ("Public",)),
    ),
)
YES_NO_NOT_KNOWN = CodeList("yes_no_not_known", YES_NO_CODES.codes + (NOT_KNOWN,))
FEEDBACK_TYPE = CodeList(
    "feedback_type",
    (
        Code("complaint", "Complaint", "Cwyn"),
        Code("concern", "Concern", "Pryder"),
        Code("compliment", "Compliment", "Canmoliaeth"),
        Code("suggestion", "Suggestion", "Awgrym"),
    ),
)
_PROTECTED = (
    Code("age", "Age", "Oedran"),
    Code("disability", "Disability", "Anabledd"),
    Code("gender_reassignment", "Gender reassignment", "Ailbennu rhywedd",
         ("Gender identity", "Trans")),
    Code("marriage_and_civil_partnership", "Marriage and civil partnership",
         "Priodas a phartneriaeth sifil", ("Marriage",)),
    Code("pregnancy_and_maternity", "Pregnancy and maternity", "Beichiogrwydd a mamolaeth",
         ("Maternity", "Pregnancy")),
    Code("race", "Race", "Hil", ("Ethnicity",)),
    Code("religion_or_belief", "Religion or belief", "Crefydd neu gred", ("Religion", "Belief")),
    Code("sex", "Sex", "Rhyw", ("Gender",)),
    Code("sexual_orientation", "Sexual orientation", "Cyfeiriadedd rhywiol"),
)
FEEDBACK_CHARACTERISTIC = CodeList(
    "feedback_characteristic",
    _PROTECTED
    + (
        Code("socio_economic_disadvantage", "Socio-economic disadvantage",
             "Anfantais economaidd-gymdeithasol", ("Socio-economic", "Socio-economics")),
        Code("welsh_language", "Welsh language", "Y Gymraeg", ("Welsh",)),
        Code("multiple", "Multiple", "Lluosog", ("Intersectional",)),
    ),
)
FEEDBACK_OUTCOME = CodeList(
    "feedback_outcome",
    (
        Code("upheld", "Upheld", "Cadarnhawyd"),
        Code("partially_upheld", "Partially upheld", "Cadarnhawyd yn rhannol"),
        Code("not_upheld", "Not upheld", "Ni chadarnhawyd"),
        Code("resolved_informally", "Resolved informally", "Datryswyd yn anffurfiol"),
        Code("open", "Open", "Ar agor", ("Ongoing", "In progress")),
        Code("withdrawn", "Withdrawn", "Tynnwyd yn ôl"),
    ),
)
CLOSED_OUTCOMES = tuple(c.code for c in FEEDBACK_OUTCOME.codes if c.code != "open")
ACTION_CHARACTERISTICS = CodeList(
    "action_characteristics",
    (Code("intersectionality", "Intersectionality", "Croestoriadedd", ("Intersectional",)),)
    + _PROTECTED
    + (
        Code("socio_economic", "Socio-economic", "Economaidd-gymdeithasol",
             ("Socio-economics", "Socio-economic disadvantage", "Socioeconomic")),
        Code("welsh_language", "Welsh language", "Y Gymraeg", ("Welsh",)),
    ),
    expansions=(
        ("LGBTQ+", ("sexual_orientation", "gender_reassignment")),
        ("LGBT", ("sexual_orientation", "gender_reassignment")),
        ("LGBTQ", ("sexual_orientation", "gender_reassignment")),
        ("Race and Religion", ("race", "religion_or_belief")),
    ),
)
PRIORITY = CodeList(
    "priority",
    (
        Code("1", "Starts in year 1", "Yn dechrau ym mlwyddyn 1", ("Priority 1", "Blaenoriaeth 1")),
        Code("2", "Within the first two years", "O fewn y ddwy flynedd gyntaf",
             ("Priority 2", "Blaenoriaeth 2")),
        Code("3", "Over the life of the plan", "Dros oes y cynllun",
             ("Priority 3", "Blaenoriaeth 3")),
    ),
)
ACTION_STATUS = CodeList(
    "action_status",
    (
        Code("not_started", "Not started", "Heb ddechrau"),
        Code("in_progress", "In progress", "Ar waith", ("Ongoing", "Underway")),
        Code("complete", "Complete", "Wedi'i gwblhau", ("Completed", "Done", "Cwblhawyd")),
        Code("deferred", "Deferred", "Wedi'i ohirio", ("On hold", "Postponed")),
    ),
)
RAG = CodeList(
    "rag",
    (
        Code("green", "Green", "Gwyrdd", ("G",)),
        Code("amber", "Amber", "Ambr", ("A",)),
        Code("red", "Red", "Coch", ("R",)),
    ),
)

# --- Field helpers ---------------------------------------------------------------------------

_CHAR_LABELS = {
    "sex": ("Sex", "Rhyw", ("Gender",)),
    "gender_identity": (
        "Gender identity same as sex registered at birth",
        "Hunaniaeth rhywedd yr un fath â'r rhyw a gofrestrwyd adeg geni",
        ("Gender identity", "Same gender as at birth", "Hunaniaeth rhywedd"),
    ),
    "age_band": ("Age band", "Band oedran", ("Age", "Oedran")),
    "disability": ("Disability", "Anabledd", ("Disabled",)),
    "ethnicity": ("Ethnicity", "Ethnigrwydd", ("Ethnic group", "Ethnic origin", "Grŵp ethnig")),
    "sexual_orientation": ("Sexual orientation", "Cyfeiriadedd rhywiol", ()),
    "religion": ("Religion", "Crefydd", ("Religion or belief", "Crefydd neu gred")),
    "marital_status": ("Marital status", "Statws priodasol", ("Marriage or civil partnership",)),
    "welsh_language": ("Welsh language skills", "Sgiliau Cymraeg",
                       ("Welsh language", "Welsh skills", "Welsh level", "Y Gymraeg")),
    "ethnicity_group": ("Broad ethnic group", "Grŵp ethnig eang", ("Ethnic group (broad)",)),
}
# EngagementProfile names a characteristic by its field name or label.
PROFILE_CHARACTERISTIC = CodeList(
    "profile_characteristic",
    tuple(Code(n, en, cy, (n, *syn)) for n, (en, cy, syn) in _CHAR_LABELS.items()),
)


def _char_field(name: str) -> Field:
    en, cy, syn = _CHAR_LABELS[name]
    kind: Kind = "age_band" if name == "age_band" else "code"
    return Field(
        name, en, cy, kind, codes=CHARACTERISTICS[name], blank="not_known", synonyms=syn,
        hint_en="Blank is read as Not known.", hint_cy="Darllenir cell wag fel Ddim yn hysbys.",
    )


def _flag(name: str, en: str, cy: str, *syn: str, required: bool = False,
          blank: object = None) -> Field:
    return Field(name, en, cy, "bool", required=required, codes=YES_NO_CODES, synonyms=syn,
                 blank=blank)


def _event(name: str, en: str, cy: str, *syn: str) -> Field:
    """A Yes/No event flag, where blank means it did not happen."""
    return _flag(name, en, cy, *syn, blank=False)


def _text(name: str, en: str, cy: str, *syn: str, required: bool = False) -> Field:
    return Field(name, en, cy, "text", required=required, synonyms=syn)


def _date(name: str, en: str, cy: str, *syn: str, required: bool = False) -> Field:
    return Field(name, en, cy, "date", required=required, synonyms=syn,
                 hint_en="A date, e.g. 30/06/2025.", hint_cy="Dyddiad, e.e. 30/06/2025.")


def _code(name: str, en: str, cy: str, codes: CodeList, *syn: str, required: bool = False,
          kind: Kind = "code") -> Field:
    return Field(name, en, cy, kind, required=required, codes=codes, synonyms=syn)


def _ref(name: str, en: str, cy: str, *syn: str, unique: bool = True,
         pseudonymise: bool = False) -> Field:
    return Field(name, en, cy, "ref", required=True, unique=unique, synonyms=syn,
                 pseudonymise=pseudonymise)


_PEOPLE = tuple(_char_field(n) for n in CHARACTERISTICS)
_RECRUITMENT_CHARS = tuple(
    _char_field(n)
    for n in ("sex", "age_band", "ethnicity", "disability", "sexual_orientation",
              "gender_identity", "religion")
)

# --- The sheets ------------------------------------------------------------------------------

ABOUT = Sheet(
    "About", "Ynghylch", "about", True,
    "key and value (column A key, column B value)",
    "allwedd a gwerth (colofn A allwedd, colofn B gwerth)",
    (
        Field("body_code", "Body code", "Cod y corff", "ref", required=True,
              hint_en="Your body's code, the name of your intake folder, e.g. BGCBC.",
              hint_cy="Cod eich corff, enw eich ffolder derbyn, e.e. BGCBC."),
        _text("body_name", "Body name", "Enw'r corff", required=True),
        Field("period", "Period", "Cyfnod", "text", required=True, synonyms=("Quarter", "Chwarter"),
              hint_en="The quarter, e.g. 2025-26 Q2.", hint_cy="Y chwarter, e.e. 2025-26 Q2."),
        Field("template_version", "Template version", "Fersiwn y templed", "text",
              blank=TEMPLATE_VERSION, synonyms=("Version", "Fersiwn")),
        _text("contact_email", "Contact email", "E-bost cyswllt", "Email", "E-bost"),
        _text("notes", "Notes", "Nodiadau"),
    ),
    synonyms=("Amdanom", "Cover"),
)

WORKFORCE = Sheet(
    "Workforce", "Gweithlu", "workforce", True,
    "person employed at any time in the quarter",
    "person a gyflogwyd ar unrhyw adeg yn y chwarter",
    (
        _ref("staff_ref", "Staff reference", "Cyfeirnod staff", "Employee number",
             "Employee reference", "Staff number", "Payroll number", "Rhif staff",
             pseudonymise=True),
        _flag("in_post_at_snapshot", "In post at snapshot date", "Mewn swydd ar y dyddiad cipolwg",
              "In post", "Mewn swydd", required=True),
        _date("start_date", "Start date", "Dyddiad dechrau"),
        _date("leave_date", "Leave date", "Dyddiad gadael", "Leaving date", "End date"),
        _code("leaving_reason", "Leaving reason", "Rheswm dros adael", LEAVING_REASON,
              "Reason for leaving"),
        *_PEOPLE,
        _event("maternity_in_period", "Maternity in period", "Mamolaeth yn y cyfnod",
              "Maternity leave"),
        _code("job_level", "Job level", "Lefel swydd", JOB_LEVEL, "Level"),
        _text("grade", "Grade", "Gradd", "Pay grade", "Band"),
        _code("contract_type", "Contract type", "Math o gontract", CONTRACT_TYPE, "Contract"),
        _code("working_pattern", "Working pattern", "Patrwm gwaith", WORKING_PATTERN,
              "Full-time or part-time"),
        _flag("flexible_working", "Flexible working", "Gweithio hyblyg"),
        Field("fte", "FTE", "CALl", "number", min=0, max=1.5, min_exclusive=True,
              synonyms=("Full-time equivalent", "Cyfwerth ag amser llawn"),
              hint_en="Full-time equivalent, more than 0 and at most 1.5.",
              hint_cy="Cyfwerth ag amser llawn, mwy na 0 a dim mwy na 1.5."),
        Field("hourly_pay", "Hourly pay", "Cyflog yr awr", "money", min=0, max=1000,
              min_exclusive=True, max_exclusive=True,
              synonyms=("Ordinary hourly pay", "Hourly rate", "Cyfradd yr awr"),
              hint_en="Ordinary hourly pay in £ at the snapshot date; required when in post.",
              hint_cy="Cyflog cyffredin yr awr mewn £ ar y dyddiad cipolwg; "
                      "gofynnol pan fo mewn swydd."),
        _flag("full_pay_relevant", "Full-pay relevant employee", "Cyflogai cyflog llawn perthnasol",
              "Full pay relevant", "Full pay"),
        Field("bonus_pay_12m", "Bonus pay in 12 months", "Tâl bonws mewn 12 mis", "money", min=0,
              blank=0.0, synonyms=("Bonus pay", "Bonus", "Bonws"),
              hint_en="£ of bonus paid in the 12 months to the snapshot; blank means 0.",
              hint_cy="£ o fonws a dalwyd yn y 12 mis hyd at y cipolwg; mae cell wag yn golygu 0."),
        _event("applied_for_position_change", "Applied for change of position",
              "Wedi gwneud cais i newid swydd", "Applied for position change"),
        _event("position_change_successful", "Change of position successful",
              "Newid swydd yn llwyddiannus", "Position change successful"),
        _event("applied_for_training", "Applied for training", "Wedi gwneud cais am hyfforddiant"),
        _event("training_approved", "Training approved", "Hyfforddiant wedi'i gymeradwyo"),
        _event("completed_training", "Completed training", "Wedi cwblhau hyfforddiant"),
        _event("grievance_raised", "Raised a grievance", "Wedi codi cwyn", "Grievance raised"),
        _event("grievance_subject", "Subject of a grievance", "Testun cwyn", "Grievance subject"),
        _event("disciplinary", "Disciplinary", "Disgyblu", "Disciplinary process"),
    ),
    rules=(
        RequiredWhen("leave_date", "in_post_at_snapshot", (False,),
                     "Enter the leave date for someone not in post at the snapshot date.",
                     "Rhowch y dyddiad gadael ar gyfer rhywun nad oedd mewn swydd ar y dyddiad "
                     "cipolwg."),
        RequiredWhen("full_pay_relevant", "in_post_at_snapshot", (True,),
                     "Say whether this person in post was on full pay at the snapshot date "
                     "(Yes, or No when on reduced or nil pay because of leave).",
                     "Nodwch a oedd y person hwn mewn swydd ar gyflog llawn ar y dyddiad cipolwg "
                     "(Ie, neu Na os ar gyflog is neu ddim cyflog oherwydd absenoldeb)."),
        RequiredWhen("hourly_pay", "in_post_at_snapshot", (True,),
                     "Enter the ordinary hourly pay for everyone in post at the snapshot date.",
                     "Rhowch y cyflog cyffredin yr awr ar gyfer pawb mewn swydd ar y dyddiad "
                     "cipolwg."),
        BlankWhen("leave_date", "in_post_at_snapshot", (True,),
                  "Someone in post at the snapshot date cannot have left: clear the leave date or "
                  "set In post to No.",
                  "Ni all rhywun mewn swydd ar y dyddiad cipolwg fod wedi gadael: cliriwch y "
                  "dyddiad gadael neu newidiwch Mewn swydd i Na."),
        InPeriod("leave_date", "quarter",
                 "A leaver's leave date must fall in this quarter; earlier leavers belong in "
                 "earlier returns.",
                 "Rhaid i ddyddiad gadael fod yn y chwarter hwn; mae rhai a adawodd yn gynharach "
                 "yn perthyn i ffurflenni cynharach."),
        InPeriod("start_date", "snapshot",
                 "The start date is after the end of the quarter: check the date or leave the "
                 "person out of this return.",
                 "Mae'r dyddiad dechrau ar ôl diwedd y chwarter: gwiriwch y dyddiad neu "
                 "hepgorwch y person o'r ffurflen hon."),
        DateOrder("start_date", "leave_date", "The leave date is before the start date.",
                  "Mae'r dyddiad gadael cyn y dyddiad dechrau."),
        Implies("position_change_successful", True, "applied_for_position_change", True,
                "A successful change of position needs Applied for change of position = Yes.",
                "Mae newid swydd llwyddiannus angen Wedi gwneud cais i newid swydd = Ie."),
        Implies("training_approved", True, "applied_for_training", True,
                "Approved training needs Applied for training = Yes.",
                "Mae hyfforddiant wedi'i gymeradwyo angen Wedi gwneud cais am hyfforddiant = Ie."),
    ),
    synonyms=("Staff", "Employees", "Staff data"),
)

RECRUITMENT = Sheet(
    "Recruitment", "Recriwtio", "recruitment", False,
    "job application received in the quarter", "cais am swydd a dderbyniwyd yn y chwarter",
    (
        _ref("application_ref", "Application reference", "Cyfeirnod y cais", "Application ID",
             "Applicant reference", pseudonymise=True),
        Field("vacancy_ref", "Vacancy reference", "Cyfeirnod y swydd wag", "ref",
              synonyms=("Vacancy", "Post reference")),
        _code("applicant_type", "Applicant type", "Math o ymgeisydd", APPLICANT_TYPE,
              "Internal or external"),
        *_RECRUITMENT_CHARS,
        _event("shortlisted", "Shortlisted", "Ar y rhestr fer"),
        _event("appointed", "Appointed", "Penodwyd"),
    ),
    rules=(
        Implies("appointed", True, "shortlisted", True,
                "An appointed applicant must also be Shortlisted = Yes.",
                "Rhaid i ymgeisydd a benodwyd hefyd fod Ar y rhestr fer = Ie."),
    ),
    synonyms=("Applications", "Applicants"),
)

ENGAGEMENT = Sheet(
    "Engagement", "Ymgysylltu", "engagement", False,
    "engagement, consultation or co-production activity in the quarter",
    "gweithgaredd ymgysylltu, ymgynghori neu gydgynhyrchu yn y chwarter",
    (
        _ref("activity_ref", "Activity reference", "Cyfeirnod y gweithgaredd", "Activity ID"),
        _text("activity_name", "Activity name", "Enw'r gweithgaredd", "Activity", "Title",
              required=True),
        _code("activity_type", "Activity type", "Math o weithgaredd", ACTIVITY_TYPE, "Type"),
        _code("partnership_objective", "Partnership objective", "Amcan y bartneriaeth",
              PARTNERSHIP_OBJECTIVE, "Objective", "Amcan"),
        _date("activity_date", "Activity date", "Dyddiad y gweithgaredd", "Date"),
        Field("participants_total", "Participants", "Cyfranogwyr", "integer", min=0,
              synonyms=("Participants total", "Number of participants", "Nifer y cyfranogwyr")),
        _flag("coproduced", "Co-produced", "Wedi'i gydgynhyrchu", "Coproduced"),
        _text("you_said_we_did", "You said, we did", "Dywedoch chi, gwnaethom ni",
              "What changed", "Outcome"),
    ),
    rules=(
        InPeriod("activity_date", "quarter", "The activity date must fall in this quarter.",
                 "Rhaid i ddyddiad y gweithgaredd fod yn y chwarter hwn."),
    ),
    synonyms=("Engagement activities", "Consultation"),
)

ENGAGEMENT_PROFILE = Sheet(
    "EngagementProfile", "ProffilYmgysylltu", "engagement_profile", False,
    "activity, characteristic and category, with a participant count",
    "gweithgaredd, nodwedd a chategori, gyda nifer y cyfranogwyr",
    (
        _ref("activity_ref", "Activity reference", "Cyfeirnod y gweithgaredd", "Activity ID",
             unique=False),
        _code("characteristic", "Characteristic", "Nodwedd", PROFILE_CHARACTERISTIC,
              required=True),
        Field("category", "Category", "Categori", "text", required=True,
              hint_en="A category of the characteristic, e.g. Female for Sex.",
              hint_cy="Categori o'r nodwedd, e.e. Benyw ar gyfer Rhyw."),
        Field("participants", "Participants", "Cyfranogwyr", "integer", required=True, min=0,
              synonyms=("Count", "Number", "Nifer")),
    ),
    rules=(
        References("activity_ref", "Engagement", "activity_ref",
                   "This activity reference is not on the Engagement sheet: add the activity "
                   "there or correct the reference.",
                   "Nid yw'r cyfeirnod gweithgaredd hwn ar y daflen Ymgysylltu: ychwanegwch y "
                   "gweithgaredd yno neu cywirwch y cyfeirnod."),
        CategoryOf("category", "characteristic",
                   "This category is not one of the standard's categories for that "
                   "characteristic: pick one from the list in the guidance.",
                   "Nid yw'r categori hwn yn un o gategorïau'r safon ar gyfer y nodwedd honno: "
                   "dewiswch un o'r rhestr yn y canllawiau."),
    ),
    synonyms=("Engagement profile", "Proffil ymgysylltu"),
)

PROCUREMENT = Sheet(
    "Procurement", "Caffael", "procurement", False,
    "contract awarded in the quarter", "contract a ddyfarnwyd yn y chwarter",
    (
        _ref("contract_ref", "Contract reference", "Cyfeirnod y contract", "Contract ID"),
        _date("award_date", "Award date", "Dyddiad dyfarnu", required=True),
        Field("value_gbp", "Contract value (£)", "Gwerth y contract (£)", "money", required=True,
              min=0, min_exclusive=True, synonyms=("Value", "Contract value", "Gwerth")),
        _code("category", "Category", "Categori", PROCUREMENT_CATEGORY, required=True),
        _code("supplier_size", "Supplier size", "Maint y cyflenwr", SUPPLIER_SIZE),
        _code("supplier_type", "Supplier type", "Math o gyflenwr", SUPPLIER_TYPE),
        _code("supplier_in_wales", "Supplier in Wales", "Cyflenwr yng Nghymru", YES_NO_NOT_KNOWN,
              "Welsh supplier"),
        _flag("equality_criteria_in_tender", "Equality criteria in tender",
              "Meini prawf cydraddoldeb yn y tendr"),
        _flag("equality_monitoring_in_contract", "Equality monitoring in contract",
              "Monitro cydraddoldeb yn y contract"),
        _flag("community_benefits", "Community benefits", "Buddion cymunedol"),
    ),
    rules=(
        InPeriod("award_date", "quarter", "The award date must fall in this quarter.",
                 "Rhaid i'r dyddiad dyfarnu fod yn y chwarter hwn."),
    ),
    synonyms=("Contracts",),
)

FEEDBACK = Sheet(
    "Feedback", "Adborth", "feedback", False,
    "complaint, concern, compliment or suggestion received in the quarter",
    "cwyn, pryder, canmoliaeth neu awgrym a dderbyniwyd yn y chwarter",
    (
        _ref("case_ref", "Case reference", "Cyfeirnod yr achos", "Case ID", "Reference"),
        _date("received_date", "Received date", "Dyddiad derbyn", "Date received", required=True),
        _code("feedback_type", "Feedback type", "Math o adborth", FEEDBACK_TYPE, "Type",
              required=True),
        _text("service_area", "Service area", "Maes gwasanaeth", "Service"),
        _event("equality_related", "Equality related", "Yn ymwneud â chydraddoldeb"),
        _code("characteristic", "Characteristic", "Nodwedd", FEEDBACK_CHARACTERISTIC),
        _code("outcome", "Outcome", "Canlyniad", FEEDBACK_OUTCOME),
        Field("working_days_to_close", "Working days to close", "Diwrnodau gwaith i gau", "integer",
              min=0, synonyms=("Days to close",)),
        _flag("led_to_change", "Led to change", "Arweiniodd at newid"),
    ),
    rules=(
        RequiredWhen("characteristic", "equality_related", (True,),
                     "Say which characteristic an equality-related case concerns.",
                     "Nodwch pa nodwedd y mae achos sy'n ymwneud â chydraddoldeb yn ei chylch."),
        InPeriod("received_date", "quarter", "The received date must fall in this quarter.",
                 "Rhaid i'r dyddiad derbyn fod yn y chwarter hwn."),
        BlankWhen("working_days_to_close", "outcome", ("open",),
                  "An open case has no days to close yet: leave it blank until it closes.",
                  "Nid oes gan achos agored ddiwrnodau i gau eto: gadewch yn wag nes iddo gau."),
        RequiredWhen("working_days_to_close", "outcome", CLOSED_OUTCOMES,
                     "Enter the working days it took to close this case.",
                     "Rhowch nifer y diwrnodau gwaith a gymerodd i gau'r achos hwn.",
                     severity="warning"),
    ),
    synonyms=("Complaints", "Cwynion"),
)

ACTIONS = Sheet(
    "Actions", "CamauGweithredu", "actions", False,
    "action in the body's Strategic Equality Plan action plan, with progress",
    "cam gweithredu yng nghynllun gweithredu Cynllun Cydraddoldeb Strategol y corff, gyda chynnydd",
    (
        _ref("action_ref", "Action reference", "Cyfeirnod y cam gweithredu", "Ref", "Action no"),
        _text("body_objective", "Body objective", "Amcan y corff", "Objective text"),
        _code("partnership_objective", "Partnership objective", "Amcan y bartneriaeth",
              PARTNERSHIP_OBJECTIVE, "Partnership objective number"),
        _text("action", "Action", "Cam gweithredu", "Action description", required=True),
        _text("key_involvement", "Key involvement", "Cyfranogiad allweddol", "Lead", "Owner"),
        _code("priority", "Priority", "Blaenoriaeth", PRIORITY),
        _code("characteristics", "Characteristics", "Nodweddion", ACTION_CHARACTERISTICS,
              "Protected characteristics", kind="codes"),
        _code("status", "Status", "Statws", ACTION_STATUS),
        _code("rag", "RAG", "Statws RAG", RAG, "RAG rating"),
        _text("progress_note", "Progress note", "Nodyn cynnydd", "Progress", "Update"),
    ),
    synonyms=("Action plan", "Camau", "Cynllun gweithredu"),
)

# One About row per optional topic to say it was not collected this quarter: its figures are
# then published [x] (not collected), where a sheet left with only its headers means none (zero).
TOPICS: tuple[Sheet, ...] = tuple(
    s for s in (RECRUITMENT, ENGAGEMENT, ENGAGEMENT_PROFILE, PROCUREMENT, FEEDBACK, ACTIONS)
    if not s.required
)


def not_collected(topic: Sheet) -> str:
    """The About field that says a topic was not collected this quarter."""
    return f"{topic.table}_not_collected"


ABOUT = replace(ABOUT, fields=(*ABOUT.fields, *(
    _flag(not_collected(t), f"{t.name}: not collected this quarter",
          f"{t.cy}: heb ei gasglu y chwarter hwn", f"{t.name} not collected", blank=False)
    for t in TOPICS)))

SHEETS: tuple[Sheet, ...] = (
    ABOUT, WORKFORCE, RECRUITMENT, ENGAGEMENT, ENGAGEMENT_PROFILE, PROCUREMENT, FEEDBACK, ACTIONS,
)
DATA_SHEETS: tuple[Sheet, ...] = SHEETS[1:]
# A free-text note column kept beside a "codes" field for what was not a standard code.
NOTE_SUFFIX = "_note"


def sheet(name: str) -> Sheet:
    for s in SHEETS:
        if s.name == name:
            return s
    raise KeyError(name)


# Headers that look like a direct identifier (checked after the known fields): a header is one
# when it contains an identifier phrase, or has an identifier word — except a name that names a
# thing, not a person: "grade name" in English, "enw'r corff" (the body's name) in Welsh.
IDENTIFIER_PHRASES = (
    "dateofbirth", "birthdate", "nationalinsurance", "ninumber", "nino", "email",
    "phonenumber", "homeaddress", "postcode", "dyddiadgeni", "yswiriantgwladol", "codpost",
    "rhifffon",
)
IDENTIFIER_WORDS = (
    "name", "names", "surname", "forename", "forenames", "firstname", "lastname", "fullname",
    "dob", "nino", "phone", "telephone", "mobile", "address", "tel",
    "enw", "cyfenw", "ebost", "ffon", "cyfeiriad",
)
THING_WORDS = (
    "grade", "job", "vacancy", "post", "role", "team", "department", "service", "site",
    "activity", "course", "training", "body", "organisation", "contract", "supplier", "project",
    "gradd", "swydd", "tim", "adran", "gwasanaeth", "safle", "gweithgaredd", "cwrs", "corff",
    "sefydliad", "cyflenwr", "prosiect",
)

# Sheets the template adds for the partner's benefit; ignored when a return is read.
TEMPLATE_SHEETS = {
    "guidance": ("Guidance", "Canllawiau"),
    "checks": ("Checks", "Gwiriadau"),
    "lists": ("Lists", "Rhestrau"),
}
