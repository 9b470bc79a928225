"""Every word the benchmark pack shows, in English and Welsh.

Codes (sex, ethnicity, job level, status ...) are labelled from the standard's code lists in
`standard/sep_return.py`, never retyped here; this module only holds what the standard does not: the
pack's own wording, table titles and notes, measure names, markers, positions, and the few
category codes the methodology adds (`all`, pay bands, Census groupings).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from ...methodology.rounding import LOW, C, X, Z
from ...methodology.spread import POSITIONS
from ...standard import sep_return as std
from ...standard.periods import Period

Lang = Literal["en", "cy"]
LANGS: tuple[Lang, ...] = ("en", "cy")
Pair = tuple[str, str]


def pick(pair: Pair, lang: str) -> str:
    return pair[lang == "cy"]


# --- The pack's own wording --------------------------------------------------------------------

TEXT: dict[str, Pair] = {
    "partnership": ("Wales Public Bodies Equality Partnership",
                    "Partneriaeth Cydraddoldeb Cyrff Cyhoeddus Cymru"),
    "pack_title": ("Benchmark pack {period}", "Pecyn meincnodi {period}"),
    "body_title": ("Benchmark position of {body}, {period}", "Safle meincnodi {body}, {period}"),
    "cover": ("Cover", "Clawr"),
    "contents": ("Contents", "Cynnwys"),
    "partner_text": ("Actions, you said we did", "Camau, dywedoch gwnaethom"),
    "partner_text_title": (
        "Action plans and 'you said, we did', as published by each body",
        "Cynlluniau gweithredu a 'dywedoch chi, gwnaethom ni', fel y'u cyhoeddwyd gan bob corff"),
    "partner_text_note": (
        "The bodies' own words, reproduced as sent: the partnership has not edited them.",
        "Geiriau'r cyrff eu hunain, fel y'u hanfonwyd: nid yw'r bartneriaeth wedi'u golygu."),
    "actions": ("Actions", "Camau gweithredu"),
    "submissions": ("Submissions", "Cyflwyniadau"),
    "submissions_title": ("Which bodies are in the figures", "Pa gyrff sydd yn y ffigurau"),
    "submissions_note": (
        "Every body expected this quarter and the state of its return. A body without an "
        "accepted return is not in the partnership figures: its own figures are shown as [x].",
        "Pob corff a ddisgwylir y chwarter hwn a chyflwr ei ffurflen. Nid yw corff heb ffurflen "
        "wedi'i derbyn yn ffigurau'r bartneriaeth: dangosir ei ffigurau ei hun fel [x]."),
    "name": ("Name", "Enw"),
    "state": ("State", "Cyflwr"),
    "in_figures": ("In the figures", "Yn y ffigurau"),
    "yes": ("Yes", "Ydy"),
    "you_said": ("You said, we did", "Dywedoch chi, gwnaethom ni"),
    "source": ("Source: quarterly equality returns (SEP Return v1) of the partnership's bodies, "
               "published under the partnership's methodology (rounding and disclosure control).",
               "Ffynhonnell: ffurflenni cydraddoldeb chwarterol (Ffurflen SEP v1) cyrff y "
               "bartneriaeth, wedi'u cyhoeddi yn unol â methodoleg y bartneriaeth (talgrynnu a "
               "rheoli datgelu)."),
    "source_census": (" Census 2021 Wales: ONS / StatsWales, usual residents.",
                      " Cyfrifiad 2021 Cymru: SYG / StatsCymru, preswylwyr arferol."),
    "period": ("Period", "Cyfnod"),
    "snapshot": ("Snapshot at {end}", "Cipolwg ar {end}"),
    "events": ("Events from {start} to {end}", "Digwyddiadau o {start} i {end}"),
    "produced": ("Produced", "Cynhyrchwyd"),
    "bodies": ("Bodies included", "Cyrff a gynhwysir"),
    "body": ("Body", "Corff"),
    "markers": ("Markers", "Marcwyr"),
    "notes": ("Notes", "Nodiadau"),
    "back": ("Back to contents", "Yn ôl i'r cynnwys"),
    "sheet": ("Sheet", "Taflen"),
    "table": ("Table", "Tabl"),
    "title": ("Title", "Teitl"),
    "covers": ("Covers", "Yn cwmpasu"),
    "charts": ("Charts", "Siartiau"),
    "snapshot_short": ("Snapshot", "Cipolwg"),
    "events_short": ("Events in the period", "Digwyddiadau yn y cyfnod"),
    "other_language": ("Mae'r pecyn hwn ar gael yn Gymraeg hefyd.",
                       "This pack is also available in English."),
    "how_to_read": (
        "Each table sheet gives, for every breakdown, one row per body, then the partnership "
        "(ALL: the pooled records of every body, never an average), and, for rates, gaps, "
        "likelihoods and medians, the median and quartiles across bodies (MEDIAN, LQ, UQ). A blank "
        "median or quartile was not calculated: counts and amounts measure a body's size, and a "
        "spread needs two bodies with a published figure.",
        "Mae pob taflen dabl yn rhoi, ar gyfer pob dadansoddiad, un rhes i bob corff, yna'r "
        "bartneriaeth (ALL: cofnodion pob corff wedi'u cyfuno, nid cyfartaledd), ac, ar gyfer "
        "cyfraddau, bylchau, tebygolrwydd a chanolrifau, y canolrif a'r chwartelau ar draws cyrff "
        "(MEDIAN, LQ, UQ). Ni chyfrifwyd canolrif neu chwartel gwag: mae cyfrifon a symiau yn "
        "mesur maint corff, ac mae angen dau gorff â ffigur cyhoeddedig ar gyfer gwasgariad."),
    "rounding": (
        "Figures are computed exactly and rounded once, half away from zero: percentages and gaps "
        "to 1 decimal place, likelihoods to 2, money to the penny; counts of people are rounded "
        "to the nearest 5, and counts of 1 to 4 are never shown.",
        "Cyfrifir ffigurau yn union a'u talgrynnu unwaith, hanner i ffwrdd o sero: canrannau a "
        "bylchau i 1 lle degol, tebygolrwydd i 2, arian i'r geiniog; talgrynnir cyfrifon pobl i'r "
        "5 agosaf, ac ni ddangosir cyfrif o 1 i 4 byth."),
    "body_how_to_read": (
        "One row per figure: the body's own value beside the partnership (ALL), the median and "
        "quartiles across bodies (MEDIAN, LQ, UQ) and the quarter of that spread the body sits "
        "in. This pack holds no other body's figures. Where fewer than {n} bodies have a "
        "published figure, the median, quartiles and position would give another body's figure "
        "away, so they are shown as [c].",
        "Un rhes i bob ffigur: gwerth y corff ei hun wrth ochr y bartneriaeth (ALL), y canolrif "
        "a'r chwartelau ar draws cyrff (MEDIAN, LQ, UQ) a'r chwarter o'r gwasgariad hwnnw y mae'r "
        "corff ynddo. Nid oes ffigurau unrhyw gorff arall yn y pecyn hwn. Lle mae gan lai na {n} "
        "corff ffigur cyhoeddedig, byddai'r canolrif, y chwartelau a'r safle yn datgelu ffigur "
        "corff arall, felly fe'u dangosir fel [c]."),
    "measure": ("Measure", "Mesur"),
    "breakdown": ("Breakdown", "Dadansoddiad"),
    "category": ("Category", "Categori"),
    "position": ("Position", "Safle"),
    "chart_data": ("Data for the charts above (a suppressed figure is left blank)",
                   "Data ar gyfer y siartiau uchod (gadewir ffigur wedi'i atal yn wag)"),
    "total": ("Total", "Cyfanswm"),
    "by": ("{a}, by {b}", "{a}, yn ôl {b}"),
    "continued": ("{a} (continued)", "{a} (parhad)"),
    "vs": ("{a} vs {b}", "{a} o'i gymharu {ag} {b}"),
    "page": ("Page &P of &N", "Tudalen &P o &N"),
    "reference": ("Reference", "Cyfeirnod"),
    "objective": ("Partnership objective", "Amcan y bartneriaeth"),
    # charts
    "gap_chart": ("Hourly pay gap by body: {comparison} (%)",
                  "Bwlch cyflog yr awr fesul corff: {comparison} (%)"),
    "mean_gap": ("Mean gap", "Bwlch cymedrig"),
    "median_gap": ("Median gap", "Bwlch canolrifol"),
    "all_mean": ("Partnership mean gap", "Bwlch cymedrig y bartneriaeth"),
    "all_median": ("Partnership median gap", "Bwlch canolrifol y bartneriaeth"),
    "quartile_chart": ("Who is in each pay quarter, partnership: {comparison} (%)",
                       "Pwy sydd ym mhob chwarter cyflog, y bartneriaeth: {comparison} (%)"),
    "census_chart": ("Partnership workforce against Census 2021 Wales (%)",
                     "Gweithlu'r bartneriaeth o'i gymharu â Chyfrifiad 2021 Cymru (%)"),
    "declaration_chart": ("Declaration rates, partnership (%)",
                          "Cyfraddau datgan, y bartneriaeth (%)"),
    "objective_chart": ("Actions, and actions complete, by partnership objective",
                        "Camau gweithredu, a chamau wedi'u cwblhau, yn ôl amcan y bartneriaeth"),
    "status_chart": ("Actions by status, partnership (% of actions)",
                     "Camau yn ôl statws, y bartneriaeth (% o'r camau)"),
    "body_gap_chart": ("Median hourly pay gap: {body} against the partnership (%)",
                       "Bwlch cyflog canolrifol yr awr: {body} o'i gymharu â'r bartneriaeth (%)"),
    "body_census_chart": ("Workforce against Census 2021 Wales: {body} (%)",
                          "Gweithlu o'i gymharu â Chyfrifiad 2021 Cymru: {body} (%)"),
}

ROWS: dict[str, Pair] = {
    "ALL": ("Partnership (ALL)", "Y bartneriaeth (ALL)"),
    "MEDIAN": ("Median across bodies (MEDIAN)", "Canolrif ar draws cyrff (MEDIAN)"),
    "LQ": ("Lower quartile (LQ)", "Chwartel isaf (LQ)"),
    "UQ": ("Upper quartile (UQ)", "Chwartel uchaf (UQ)"),
}

MARKERS: dict[str, Pair] = {
    C: ("confidential: suppressed to protect individuals",
        "cyfrinachol: wedi'i atal i ddiogelu unigolion"),
    LOW: ("too few people for a reliable figure", "rhy ychydig o bobl ar gyfer ffigur dibynadwy"),
    X: ("not available: the body did not submit this sheet",
        "ddim ar gael: ni chyflwynodd y corff y daflen hon"),
    Z: ("not applicable", "amherthnasol"),
}

# Markers that stand beside a value (revisions.py): never in place of one.
STATUS_MARKERS: dict[str, Pair] = {
    "[p]": ("provisional: the quarter is not finalised, so the figure may still change",
            "dros dro: nid yw'r chwarter wedi'i gwblhau, felly gall y ffigur newid o hyd"),
    "[r]": ("revised: the figure changed after the quarter was finalised (see Revisions)",
            "diwygiedig: newidiodd y ffigur ar ôl cwblhau'r chwarter (gweler Diwygiadau)"),
}

TEXT.update({  # provisional, final and revised figures
    "revisions": ("Revisions", "Diwygiadau"),
    "revisions_title": ("Figures revised after the quarter was finalised",
                        "Ffigurau a ddiwygiwyd ar ôl cwblhau'r chwarter"),
    "status": ("Status", "Statws"),
    "provisional": (
        "Provisional [p]: the quarter is not finalised yet, so these figures may still change "
        "when a body's return is accepted or corrected. In the CSV every figure is marked [p].",
        "Dros dro [p]: nid yw'r chwarter wedi'i gwblhau eto, felly gall y ffigurau hyn newid o "
        "hyd pan dderbynnir neu pan gywirir ffurflen corff. Yn y CSV mae pob ffigur wedi'i "
        "farcio [p]."),
    "final": (
        "Final since {date}. A return accepted later revises the figures it changes: they are "
        "marked [r] and listed, old and new, on the Revisions sheet ({n} so far).",
        "Terfynol ers {date}. Mae ffurflen a dderbynnir yn ddiweddarach yn diwygio'r ffigurau y "
        "mae'n eu newid: fe'u marcir [r] a'u rhestru, hen a newydd, ar y daflen Diwygiadau "
        "({n} hyd yma)."),
    "table_provisional": (
        "[p] Provisional: the quarter is not finalised, so every figure here may still change.",
        "[p] Dros dro: nid yw'r chwarter wedi'i gwblhau, felly gall pob ffigur yma newid o hyd."),
    "table_revised": (
        "[r] Revised: {n} figure(s) here changed after the quarter was finalised ({bodies}); "
        "the old and new values are on the Revisions sheet.",
        "[r] Diwygiedig: newidiodd {n} ffigur yma ar ôl cwblhau'r chwarter ({bodies}); mae'r "
        "hen werthoedd a'r rhai newydd ar y daflen Diwygiadau."),
    "revisions_note": (
        "Every published figure of this quarter that a return accepted after the quarter was "
        "finalised changed, with its value and marker before and after, when, and the "
        "submission that caused it. A figure with neither a value nor a marker was not "
        "published on that side (a body's first return, or one withdrawn).",
        "Pob ffigur cyhoeddedig o'r chwarter hwn a newidiwyd gan ffurflen a dderbyniwyd ar ôl "
        "cwblhau'r chwarter, gyda'i werth a'i farciwr cyn ac ar ôl, pryd, a'r cyflwyniad a "
        "achosodd y newid. Ni chyhoeddwyd ffigur heb werth na marciwr ar yr ochr honno "
        "(ffurflen gyntaf corff, neu un a dynnwyd yn ôl)."),
    "no_revisions_provisional": (
        "None: the quarter is provisional. Its figures are revised only after it is finalised.",
        "Dim: mae'r chwarter dros dro. Dim ond ar ôl ei gwblhau y caiff ei ffigurau eu "
        "diwygio."),
    "no_revisions": ("None: no figure has changed since the quarter was finalised on {date}.",
                     "Dim: nid oes ffigur wedi newid ers cwblhau'r chwarter ar {date}."),
    "old_value": ("Old value", "Hen werth"),
    "old_marker": ("Old marker", "Hen farciwr"),
    "new_value": ("New value", "Gwerth newydd"),
    "new_marker": ("New marker", "Marciwr newydd"),
    "revised_on": ("Revised", "Diwygiwyd"),
    "cause": ("Caused by", "Achoswyd gan"),
    "submission_of": ("submission {id} ({file})", "cyflwyniad {id} ({file})"),
})

POSITION_LABELS: dict[str, Pair] = dict(zip(POSITIONS, (
    ("Lowest quarter", "Chwarter isaf"), ("Second quarter", "Ail chwarter"),
    ("Third quarter", "Trydydd chwarter"), ("Highest quarter", "Chwarter uchaf")), strict=True))

# title, note
TABLES: dict[str, tuple[Pair, Pair]] = {
    "W1": (("Headcount and FTE by protected characteristic",
            "Cyfrif pennau a CALl yn ôl nodwedd warchodedig"),
           ("Staff in post at the snapshot date. FTE is rounded like a headcount.",
            "Staff mewn swydd ar y dyddiad cipolwg. Talgrynnir CALl fel cyfrif pennau.")),
    "W2": (("Job level by sex", "Lefel swydd yn ôl rhyw"),
           ("Staff in post. Job level, not grade: grades are each body's own and do not compare.",
            "Staff mewn swydd. Lefel swydd, nid gradd: mae graddau'n unigryw i bob corff ac nid "
            "ydynt yn cymharu.")),
    "W3": (("Hourly pay band by sex", "Band cyflog yr awr yn ôl rhyw"),
           ("The pay-gap population: staff in post on full pay with hourly pay above zero.",
            "Poblogaeth y bwlch cyflog: staff mewn swydd ar gyflog llawn â chyflog yr awr uwchlaw "
            "sero.")),
    "W4": (("Contract type by sex", "Math o gontract yn ôl rhyw"),
           ("Staff in post at the snapshot date.", "Staff mewn swydd ar y dyddiad cipolwg.")),
    "W5": (("Working pattern and flexible working by job level and sex",
            "Patrwm gwaith a gweithio hyblyg yn ôl lefel swydd a rhyw"),
           ("Staff in post at the snapshot date.", "Staff mewn swydd ar y dyddiad cipolwg.")),
    "W6": (("Recruitment: applicants, shortlisted and appointed",
            "Recriwtio: ymgeiswyr, y rhestr fer a phenodiadau"),
           ("Applications received in the period.", "Ceisiadau a dderbyniwyd yn y cyfnod.")),
    "W7": (("Change of position: applied for and successful",
            "Newid swydd: ceisiadau a llwyddiant"),
           ("Staff employed at any time in the period.",
            "Staff a gyflogwyd ar unrhyw adeg yn y cyfnod.")),
    "W8": (("Training: applied for, approved and completed",
            "Hyfforddiant: ceisiadau, cymeradwyo a chwblhau"),
           ("Staff employed at any time in the period.",
            "Staff a gyflogwyd ar unrhyw adeg yn y cyfnod.")),
    "W9": (("Grievances: raised and subject of", "Cwynion: codi cwyn a bod yn destun cwyn"),
           ("Staff employed at any time in the period.",
            "Staff a gyflogwyd ar unrhyw adeg yn y cyfnod.")),
    "W10": (("Disciplinary", "Disgyblu"),
            ("Staff employed at any time in the period.",
             "Staff a gyflogwyd ar unrhyw adeg yn y cyfnod.")),
    "W11": (("Leavers by characteristic and leaving reason",
             "Ymadawyr yn ôl nodwedd a rheswm dros adael"),
            ("Staff and % who left are not applicable by leaving reason.",
             "Nid yw staff a % a adawodd yn berthnasol yn ôl rheswm dros adael.")),
    "P1": (("Pay gaps: mean, median, bonus and bonus participation",
            "Bylchau cyflog: cymedrig, canolrif, bonws a chyfranogiad bonws"),
           ("Gap = (reference - comparison) / reference x 100, the reference group named first; "
            "positive means the comparison group is paid less. A gap needs 10 people in each "
            "group.",
            "Bwlch = (cyfeirio - cymharu) / cyfeirio x 100, y grŵp cyfeirio yn gyntaf; mae "
            "positif yn golygu bod y grŵp cymharu yn cael llai o dâl. Mae angen 10 o bobl ym mhob "
            "grŵp ar gyfer bwlch.")),
    "P2": (("Pay quartiles", "Chwarteli cyflog"),
           ("Staff ranked by hourly pay and split into four equal quarters (Q1 lowest paid); "
            "each quarter's two percentages sum to 100.",
            "Staff wedi'u rhestru yn ôl cyflog yr awr a'u rhannu'n bedwar chwarter cyfartal (Ch1 "
            "cyflog isaf); mae dwy ganran pob chwarter yn adio i 100.")),
    "R1": (("Relative likelihoods", "Tebygolrwydd cymharol"),
           ("1.00 is parity; above 1 favours the reference group, named first. Needs 10 in each "
            "group's denominator.",
            "1.00 yw cydraddoldeb; mae uwchlaw 1 yn ffafrio'r grŵp cyfeirio, a enwir yn gyntaf. "
            "Mae angen 10 yn enwadur pob grŵp.")),
    "D1": (("Declaration rates", "Cyfraddau datgan"),
           ("Staff in post with a real answer, Prefer not to say, or Not known.",
            "Staff mewn swydd ag ateb go iawn, Mae'n well gen i beidio â dweud, neu Ddim yn "
            "hysbys.")),
    "C1": (("Representation against Census 2021 Wales",
            "Cynrychiolaeth o'i chymharu â Chyfrifiad 2021 Cymru"),
           ("Workforce share on the Census figure's own base; difference in percentage points "
            "(workforce - Census).",
            "Cyfran y gweithlu ar sail ffigur y Cyfrifiad; gwahaniaeth mewn pwyntiau canran "
            "(gweithlu - Cyfrifiad).")),
    "A1": (("Action plan progress", "Cynnydd y cynllun gweithredu"),
           ("An action counts under every characteristic it names, so those shares may sum past "
            "100.",
            "Mae cam gweithredu'n cyfrif o dan bob nodwedd y mae'n ei henwi, felly gall y "
            "cyfrannau hynny adio i fwy na 100.")),
    "E1": (("Engagement activities", "Gweithgareddau ymgysylltu"),
           ("Activities in the period; the 'you said, we did' texts are on their own sheet.",
            "Gweithgareddau yn y cyfnod; mae'r testunau 'dywedoch chi, gwnaethom ni' ar eu taflen "
            "eu hunain.")),
    "E2": (("Engagement profile", "Proffil ymgysylltu"),
           ("Participants profiled by characteristic; shares of those profiled on it.",
            "Cyfranogwyr wedi'u proffilio yn ôl nodwedd; cyfrannau o'r rhai a broffiliwyd arni.")),
    "PR1": (("Procurement", "Caffael"),
            ("Contracts awarded in the period; the value of 1 to 4 contracts is not shown.",
             "Contractau a ddyfarnwyd yn y cyfnod; ni ddangosir gwerth 1 i 4 contract.")),
    "F1": (("Feedback", "Adborth"),
           ("Complaints, concerns, compliments and suggestions; by characteristic: "
            "equality-related cases only.",
            "Cwynion, pryderon, canmoliaeth ac awgrymiadau; yn ôl nodwedd: achosion sy'n "
            "ymwneud â chydraddoldeb yn unig.")),
}

MEASURES: dict[str, Pair] = {
    "headcount": ("Headcount", "Cyfrif pennau"),
    "fte": ("Full-time equivalent (FTE)", "Cyfwerth ag amser llawn (CALl)"),
    "pct_of_headcount": ("% of headcount", "% o'r cyfrif pennau"),
    "pct_of_job_level": ("% of job level", "% o'r lefel swydd"),
    "pct_of_sex": ("% of sex", "% o'r rhyw"),
    "pct_of_pay_band": ("% of pay band", "% o'r band cyflog"),
    "pct_of_contract_type": ("% of contract type", "% o'r math o gontract"),
    "headcount_full_time": ("Full-time headcount", "Cyfrif pennau llawn amser"),
    "headcount_part_time": ("Part-time headcount", "Cyfrif pennau rhan amser"),
    "headcount_flexible_working": ("Headcount working flexibly",
                                   "Cyfrif pennau sy'n gweithio'n hyblyg"),
    "pct_full_time": ("% full-time", "% llawn amser"),
    "pct_part_time": ("% part-time", "% rhan amser"),
    "pct_flexible_working": ("% working flexibly", "% yn gweithio'n hyblyg"),
    "applicants": ("Applicants", "Ymgeiswyr"),
    "applicants_external": ("External applicants", "Ymgeiswyr allanol"),
    "applicants_internal": ("Internal applicants", "Ymgeiswyr mewnol"),
    "shortlisted": ("Shortlisted", "Ar y rhestr fer"),
    "appointed": ("Appointed", "Penodwyd"),
    "pct_of_applicants": ("% of applicants", "% o'r ymgeiswyr"),
    "pct_shortlisted": ("% shortlisted", "% ar y rhestr fer"),
    "pct_appointed_of_shortlisted": ("% appointed of those shortlisted",
                                     "% a benodwyd o'r rhai ar y rhestr fer"),
    "staff": ("Staff", "Staff"),
    "applied_for_position_change": ("Applied for a change of position",
                                    "Wedi gwneud cais i newid swydd"),
    "position_change_successful": ("Change of position successful", "Newid swydd yn llwyddiannus"),
    "pct_applied_for_position_change": ("% applied for a change of position",
                                        "% a wnaeth gais i newid swydd"),
    "pct_successful_of_applied": ("% successful of those who applied",
                                  "% llwyddiannus o'r rhai a wnaeth gais"),
    "applied_for_training": ("Applied for training", "Wedi gwneud cais am hyfforddiant"),
    "training_approved": ("Training approved", "Hyfforddiant wedi'i gymeradwyo"),
    "completed_training": ("Completed training", "Wedi cwblhau hyfforddiant"),
    "pct_applied_for_training": ("% applied for training", "% a wnaeth gais am hyfforddiant"),
    "pct_completed_training": ("% completed training", "% a gwblhaodd hyfforddiant"),
    "pct_approved_of_applied": ("% approved of those who applied",
                                "% a gymeradwywyd o'r rhai a wnaeth gais"),
    "grievance_raised": ("Raised a grievance", "Wedi codi cwyn"),
    "grievance_subject": ("Subject of a grievance", "Testun cwyn"),
    "pct_grievance_raised": ("% raised a grievance", "% a gododd gwyn"),
    "pct_grievance_subject": ("% subject of a grievance", "% a oedd yn destun cwyn"),
    "disciplinary": ("Entered a disciplinary process", "Wedi mynd i broses ddisgyblu"),
    "pct_disciplinary": ("% entered a disciplinary process", "% a aeth i broses ddisgyblu"),
    "leavers": ("Leavers", "Ymadawyr"),
    "pct_leavers": ("% who left (of staff)", "% a adawodd (o'r staff)"),
    "pct_of_leavers": ("% of leavers", "% o'r ymadawyr"),
    "mean_hourly_gap": ("Mean hourly pay gap (%)", "Bwlch cyflog cymedrig yr awr (%)"),
    "median_hourly_gap": ("Median hourly pay gap (%)", "Bwlch cyflog canolrifol yr awr (%)"),
    "mean_bonus_gap": ("Mean bonus gap (%)", "Bwlch bonws cymedrig (%)"),
    "median_bonus_gap": ("Median bonus gap (%)", "Bwlch bonws canolrifol (%)"),
    "bonus_pct_reference": ("% of the reference group paid a bonus",
                            "% o'r grŵp cyfeirio a gafodd fonws"),
    "bonus_pct_group": ("% of the comparison group paid a bonus",
                        "% o'r grŵp cymharu a gafodd fonws"),
    "shortlisted_from_applied": ("Likelihood of shortlisting from application",
                                 "Tebygolrwydd cyrraedd y rhestr fer o gais"),
    "appointed_from_shortlisted": ("Likelihood of appointment from shortlisting",
                                   "Tebygolrwydd penodiad o'r rhestr fer"),
    "entering_disciplinary": ("Likelihood of entering a disciplinary process",
                              "Tebygolrwydd mynd i broses ddisgyblu"),
    "approved_for_training": ("Likelihood of approval for training",
                              "Tebygolrwydd cymeradwyo ar gyfer hyfforddiant"),
    "pct_declared": ("% declared", "% a ddatganodd"),
    "pct_prefer_not_to_say": ("% prefer not to say", "% gwell ganddynt beidio â dweud"),
    "pct_not_known": ("% not known", "% ddim yn hysbys"),
    "workforce_pct": ("Workforce (%)", "Gweithlu (%)"),
    "census_pct": ("Census 2021 Wales (%)", "Cyfrifiad 2021 Cymru (%)"),
    "difference_pp": ("Difference (percentage points)", "Gwahaniaeth (pwyntiau canran)"),
    "actions": ("Actions", "Camau gweithredu"),
    "pct_of_actions": ("% of actions", "% o'r camau gweithredu"),
    "complete": ("Actions complete", "Camau wedi'u cwblhau"),
    "pct_complete": ("% complete", "% wedi'u cwblhau"),
    "activities": ("Activities", "Gweithgareddau"),
    "participants": ("Participants", "Cyfranogwyr"),
    "activities_coproduced": ("Activities co-produced", "Gweithgareddau wedi'u cydgynhyrchu"),
    "activities_you_said_we_did": ("Activities with 'you said, we did'",
                                   "Gweithgareddau â 'dywedoch chi, gwnaethom ni'"),
    "pct_of_activities": ("% of activities", "% o'r gweithgareddau"),
    "pct_coproduced": ("% co-produced", "% wedi'u cydgynhyrchu"),
    "pct_you_said_we_did": ("% with 'you said, we did'", "% â 'dywedoch chi, gwnaethom ni'"),
    "pct_of_participants": ("% of participants", "% o'r cyfranogwyr"),
    "contracts": ("Contracts", "Contractau"),
    "value_gbp": ("Value (£)", "Gwerth (£)"),
    "pct_of_contracts": ("% of contracts", "% o'r contractau"),
    "pct_of_value": ("% of value", "% o'r gwerth"),
    "cases": ("Cases", "Achosion"),
    "pct_of_cases": ("% of cases", "% o'r achosion"),
    "equality_related": ("Equality-related cases", "Achosion yn ymwneud â chydraddoldeb"),
    "pct_equality_related": ("% equality-related", "% yn ymwneud â chydraddoldeb"),
    "led_to_change": ("Led to change", "Arweiniodd at newid"),
    "pct_led_to_change": ("% led to change", "% a arweiniodd at newid"),
    "median_days_to_close": ("Median working days to close", "Canolrif diwrnodau gwaith i gau"),
}
QUARTERS: dict[str, Pair] = {
    "q1": ("Q1 (lowest paid)", "Ch1 (cyflog isaf)"), "q2": ("Q2", "Ch2"), "q3": ("Q3", "Ch3"),
    "q4": ("Q4 (highest paid)", "Ch4 (cyflog uchaf)"),
}
for _q, (_en, _cy) in QUARTERS.items():
    MEASURES[f"{_q}_pct_reference"] = (f"{_en}: % reference group", f"{_cy}: % grŵp cyfeirio")
    MEASURES[f"{_q}_pct_group"] = (f"{_en}: % comparison group", f"{_cy}: % grŵp cymharu")

# --- Codes and breakdowns the standard does not list -------------------------------------------

_PAY_BANDS: dict[str, Pair] = {
    "under_12_60": ("Under £12.60", "Llai na £12.60"),
    "12_60_to_14_99": ("£12.60 to £14.99", "£12.60 i £14.99"),
    "15_00_to_19_99": ("£15.00 to £19.99", "£15.00 i £19.99"),
    "20_00_to_24_99": ("£20.00 to £24.99", "£20.00 i £24.99"),
    "25_00_to_29_99": ("£25.00 to £29.99", "£25.00 i £29.99"),
    "30_00_to_39_99": ("£30.00 to £39.99", "£30.00 i £39.99"),
    "40_00_and_over": ("£40.00 and over", "£40.00 a throsodd"),
}
EXTRA_CODES: dict[str, Pair] = {
    "all": TEXT["total"],
    "ethnic_minority": ("Ethnic minority", "Lleiafrif ethnig"),
    "welsh_speaker": ("Welsh speaker", "Siaradwr Cymraeg"),
    "not_answered": ("Not answered", "Heb ateb"),
    **_PAY_BANDS,
}
_FIELDS: dict[str, std.Field] = {}
for _sheet in std.SHEETS:
    for _f in _sheet.fields:
        _FIELDS.setdefault(_f.name, _f)
_BREAKDOWN_CODES: dict[str, std.CodeList] = {
    **{n: f.codes for n, f in _FIELDS.items() if f.codes is not None},
    **std.PROFILE_CHARACTERISTICS,
    "characteristic": std.FEEDBACK_CHARACTERISTIC,  # F1's breakdown
    "contract_category": std.PROCUREMENT_CATEGORY,
}
BREAKDOWNS: dict[str, Pair] = {
    "all": TEXT["total"],
    "ethnicity_group": (std.PROFILE_CHARACTERISTIC.get("ethnicity_group").en,
                        std.PROFILE_CHARACTERISTIC.get("ethnicity_group").cy),
    "pay_band": ("Hourly pay band", "Band cyflog yr awr"),
    "contract_category": ("Contract category", "Categori contract"),
    "characteristic": ("Characteristic (equality-related cases)",
                       "Nodwedd (achosion yn ymwneud â chydraddoldeb)"),
}
# Codes any breakdown may fall back on: Census and pay-gap groupings use the broad ethnic groups.
_FALLBACK = (std.ETHNICITY_GROUP, std.CodeList("x", (std.PREFER_NOT_TO_SAY, std.NOT_KNOWN)))
_VOWEL = re.compile(r"^[aeiouwyâêîôûŵŷAEIOUWYÂÊÎÔÛŴŶ]")


def text(key: str, lang: str, **kw: object) -> str:
    return pick(TEXT[key], lang).format(**kw)


def table_title(table_id: str, lang: str) -> str:
    return pick(TABLES[table_id][0], lang)


def table_note(table_id: str, lang: str) -> str:
    return pick(TABLES[table_id][1], lang)


def measure_label(measure: str, lang: str) -> str:
    return pick(MEASURES[measure], lang) if measure in MEASURES else measure


def row_label(code: str, lang: str) -> str:
    """A body's code as it is; ALL, MEDIAN, LQ, UQ in words."""
    return pick(ROWS[code], lang) if code in ROWS else code


def position_label(position: str | None, lang: str) -> str | None:
    return pick(POSITION_LABELS[position], lang) if position in POSITION_LABELS else position


def marker_key(lang: str) -> str:
    return "; ".join(f"{m} {pick(t, lang)}" for m, t in MARKERS.items())


def breakdown_label(breakdown: str, lang: str) -> str:
    """`sex` -> Sex; a two-way `job_level/sex` -> Job level, by sex."""
    if "/" in breakdown:
        a, b = breakdown.split("/", 1)
        return text("by", lang, a=breakdown_label(a, lang), b=breakdown_label(b, lang).lower())
    if breakdown in BREAKDOWNS:
        return pick(BREAKDOWNS[breakdown], lang)
    f = _FIELDS.get(breakdown)
    return f.label(lang) if f else breakdown


def code_label(breakdown: str, code: str, lang: str) -> str:
    """One code of one breakdown, from the standard's code list where it has one."""
    own = _BREAKDOWN_CODES.get(breakdown)
    if own is not None and code in own.values:
        label = own.label(code, lang)
        # Objectives are numbered codes: keep the number a reader knows them by.
        return f"{code}. {label}" if breakdown == "partnership_objective" else label
    for cl in _FALLBACK:
        if code in cl.values:
            return cl.label(code, lang)
    return pick(EXTRA_CODES[code], lang) if code in EXTRA_CODES else code


def category_label(breakdown: str, category: str, lang: str) -> str:
    """Label of a category: two-way `a/b` codes, pay-gap comparisons `x_vs_y`, or one code."""
    if "/" in breakdown and "/" in category:
        (b1, b2), (c1, c2) = breakdown.split("/", 1), category.split("/", 1)
        return f"{code_label(b1, c1, lang)} / {code_label(b2, c2, lang)}"
    if "_vs_" in category:
        a, b = (code_label(breakdown, c, lang) for c in category.split("_vs_", 1))
        return text("vs", lang, a=a, b=b, ag="ag" if _VOWEL.match(b) else "â")
    return code_label(breakdown, category, lang)


# --- Periods and sheet names -----------------------------------------------------------------

_MONTHS_CY = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
              "Medi", "Hydref", "Tachwedd", "Rhagfyr")


def long_date(d: date, lang: str) -> str:
    month = _MONTHS_CY[d.month - 1] if lang == "cy" else d.strftime("%B")
    return f"{d.day} {month} {d.year}"


def quarters_of(period: str) -> list[Period]:
    """The quarters a period label covers: itself, or a year's four."""
    if re.fullmatch(r"\d{4}-\d{2}", period.strip()):
        return [Period(int(period[:4]), q) for q in (1, 2, 3, 4)]
    return [Period.parse(period)]


def period_text(period: str, snapshot: bool, lang: str) -> str:
    qs = quarters_of(period)
    if snapshot:  # a year's snapshot tables are its Q4's (the statutory snapshot)
        return text("snapshot", lang, end=long_date(qs[-1].end, lang))
    return text("events", lang, start=long_date(qs[0].start, lang),
                end=long_date(qs[-1].end, lang))


def period_label(period: str, lang: str) -> str:
    """`2025-26 Q4` in Welsh is `2025-26 Ch4` (chwarter)."""
    return re.sub(r"Q([1-4])$", r"Ch\1", period) if lang == "cy" else period


TEXT.update({  # change over time: the Trends and Outcomes sheets (pack/trends.py, outcomes.py)
    "partnership_short": ("Partnership", "Y bartneriaeth"),
    "all_actions": ("All actions", "Pob cam gweithredu"),
    "trends": ("Trends", "Tueddiadau"),
    "trends_title": ("Trends in the headline measures", "Tueddiadau yn y prif fesurau"),
    "trends_note": (
        "Each line joins the published figures of {kind}. A suppressed or missing figure is a "
        "gap in its line. Percentages and pay gaps in %; every figure as published, with its "
        "change and direction of travel in series.csv.",
        "Mae pob llinell yn cysylltu ffigurau cyhoeddedig {kind}. Mae ffigur wedi'i atal neu "
        "ar goll yn fwlch yn ei linell. Canrannau a bylchau cyflog mewn %; pob ffigur fel y'i "
        "cyhoeddwyd, gyda'i newid a'i gyfeiriad teithio yn series.csv."),
    "trend_quarters": ("every quarter published", "pob chwarter a gyhoeddwyd"),
    "trend_years": ("every year published", "pob blwyddyn a gyhoeddwyd"),
    "trend_median_gap": ("Median hourly pay gap (%)", "Bwlch cyflog canolrifol yr awr (%)"),
    "trend_mean_gap": ("Mean hourly pay gap (%)", "Bwlch cyflog cymedrig yr awr (%)"),
    "trend_representation": ("Workforce share (%)", "Cyfran o'r gweithlu (%)"),
    "trend_declaration": ("Declaration rate (% declared)", "Cyfradd datgan (% a ddatganodd)"),
    "trend_actions": ("Action plan: % of actions complete",
                      "Cynllun gweithredu: % o'r camau wedi'u cwblhau"),
    "outcomes": ("Outcomes", "Deilliannau"),
    "outcomes_title": ("The partnership's objectives: outcome measures",
                       "Amcanion y bartneriaeth: mesurau deilliant"),
    "outcomes_note": (
        "For each shared objective, its outcome measures in {period} beside {year}, the change "
        "(percentage points for percentages and gaps, the ratio for likelihoods) and the "
        "direction of travel. A change is not shown when either figure is suppressed or missing "
        "(its marker stands instead); its direction is then left blank. Which way is better "
        "for each measure is set out in the methodology (docs/methodology.md).",
        "Ar gyfer pob amcan a rennir, ei fesurau deilliant yn {period} wrth ochr {year}, y "
        "newid (pwyntiau canran ar gyfer canrannau a bylchau, y gymhareb ar gyfer "
        "tebygolrwydd) a'r cyfeiriad teithio. Ni ddangosir newid pan fo'r naill ffigur neu'r "
        "llall wedi'i atal neu ar goll (mae ei farciwr yn ei le); gadewir ei gyfeiriad yn wag "
        "bryd hynny. Nodir ym methodoleg y bartneriaeth pa ffordd sy'n well ar gyfer pob mesur."),
    "outcome_measure": ("Outcome measure", "Mesur deilliant"),
    "objective_actions": ("% of this objective's actions complete",
                          "% o gamau'r amcan hwn wedi'u cwblhau"),
    "outcome_chart": ("{objective}: latest and a year earlier",
                      "{objective}: diweddaraf a blwyddyn ynghynt"),
    "latest": ("Latest", "Diweddaraf"),
    "year_earlier": ("A year earlier", "Blwyddyn ynghynt"),
    "change": ("Change", "Newid"),
    "unit": ("Change in", "Newid mewn"),
    "direction": ("Direction", "Cyfeiriad"),
    "direction_better": ("Better", "Gwell"),
    "direction_worse": ("Worse", "Gwaeth"),
    "direction_no_change": ("No change", "Dim newid"),
    "direction_not_applicable": ("Not applicable", "Amherthnasol"),
    "unit_pp": ("percentage points", "pwyntiau canran"),
    "unit_ratio": ("ratio", "cymhareb"),
    "unit_difference": ("difference", "gwahaniaeth"),
})
