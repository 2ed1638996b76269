"""The standard answers' Chinese search (docs/DOMAIN.md §25.3): a word inside a compound,
pinyin, synonyms; validity, public/internal, usage and "not found"; jieba loaded lazily."""

import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.core.permissions import Perm
from aftercare.desk import segment, selectors, services
from aftercare.desk.models import FaqEntry, FaqSearch, FaqTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(store, staff):
    care = staff["customer_care"]

    def add(question, answer, **kwargs):
        return services.faq_save(actor=care, store=store, category=kwargs.pop("category", "oil"), question=question,
                                 answer=answer, public=kwargs.pop("public", True), **kwargs)  # fmt: skip

    return {
        "filter": add("多久换一次滤芯？", "每次保养更换机油滤清器，空气滤清器每两万公里更换。"),
        "battery": add(
            "车子打不着火怎么办？", "多半是蓄电池亏电，可以搭电启动，冬季请检查蓄电池健康度。", category="battery"
        ),
        "tyre": add("轮胎气压多少合适？", "参考油箱盖内侧标签，一般冷胎2.3-2.5bar。", category="tyres", public=False),
    }


def _search(store, query, entries=None):
    entries = entries if entries is not None else FaqEntry.objects.filter(store=store)
    return selectors.faq_search(entries=entries, store_ids=[store.pk], query=query).entries


def test_a_word_is_found_inside_a_compound_word(store, answers):
    assert _search(store, "机油") == [answers["filter"]]
    assert FaqTerm.objects.filter(entry=answers["filter"], term="机油滤清器").exists()


def test_pinyin_whole_and_initials_find_the_answer(store, answers):
    assert _search(store, "jiyou") == [answers["filter"]]
    assert _search(store, "xudianchi") == [answers["battery"]]
    assert answers["battery"] in _search(store, "xdc")


def test_a_synonym_finds_the_answer_written_with_the_other_word(store, staff, answers):
    assert _search(store, "电瓶") == []
    services.synonym_save(actor=staff["service_manager"], store=store, word="电瓶", synonym="蓄电池")
    assert _search(store, "电瓶") == [answers["battery"]]
    assert _search(store, "电瓶没电") == [answers["battery"]]


def test_a_phrase_ranks_the_answer_matching_more_of_its_words_first(store, answers):
    found = _search(store, "冬季蓄电池没电打不着火")
    assert found[0] == answers["battery"]


def test_answers_out_of_their_validity_are_not_found(store, staff, answers):
    services.faq_save(actor=staff["customer_care"], store=store, entry=answers["filter"],
                      valid_until=timezone.localdate() - timedelta(days=1), valid_from=date(2020, 1, 1))  # fmt: skip
    assert _search(store, "机油") == []


def test_an_edited_answer_is_indexed_again(store, staff, answers):
    services.faq_save(actor=staff["customer_care"], store=store, entry=answers["tyre"], answer="请按标签充气至2.5bar")
    assert _search(store, "油箱盖") == []
    assert _search(store, "充气") == [answers["tyre"]]


def test_jieba_is_not_loaded_when_django_starts(tmp_path):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'aftercare.settings'); django.setup();"
        "import sys; from django.urls import get_resolver; get_resolver().url_patterns;"
        "import aftercare.desk.views, aftercare.desk.api.views;"
        "print('jieba' in sys.modules, __import__('aftercare.desk.segment').desk.segment.is_loaded())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]


def test_the_dictionary_is_loaded_once_per_process(answers):
    first = segment.tokenizer()
    assert segment.tokenizer() is first and segment.is_loaded()


def test_staff_search_from_the_page_logs_what_found_nothing_for_the_manager(store, staff, answers, client_for):
    client = client_for(staff["advisor"])
    page = client.get(reverse("desk:faq"), {"q": "机油"})
    assert page.status_code == 200 and "多久换一次滤芯" in page.content.decode()
    assert "轮胎气压" in client.get(reverse("desk:faq"), {"q": "轮胎"}).content.decode()  # internal: staff see it
    client.get(reverse("desk:faq"), {"q": "天窗异响"})
    assert FaqSearch.objects.filter(query="天窗异响", found=0).exists()
    manager = client_for(staff["service_manager"]).get(reverse("desk:faq_report")).content.decode()
    assert "天窗异响" in manager
    assert client.get(reverse("desk:faq_report")).status_code == 403


def test_the_customer_page_shows_public_answers_only_and_counts_their_use(store, answers, client):
    listed = client.get(reverse("desk_public:faq", args=[store.code])).content.decode()
    assert "多久换一次滤芯" in listed and "轮胎气压" not in listed
    assert "轮胎气压" not in client.get(reverse("desk_public:faq", args=[store.code]), {"q": "轮胎"}).content.decode()
    assert client.get(reverse("desk_public:faq_entry", args=[store.code, answers["tyre"].pk])).status_code == 404
    assert client.get(reverse("desk_public:faq_entry", args=[store.code, answers["filter"].pk])).status_code == 200
    answers["filter"].refresh_from_db()
    assert answers["filter"].use_count == 1


def test_an_advisor_sends_an_answer_into_a_message_and_a_follow_up(store, staff, answers, customer, client_for):
    from aftercare.followups.services import followup_create
    from aftercare.messaging.models import Message

    task = followup_create(store=store, customer=customer, kind="repair", due_at=timezone.now(), source_key="t:1")
    client = client_for(staff["advisor"])
    response = client.post(reverse("desk:faq_entry", args=[answers["filter"].pk]),
                           {"customer": customer.mobile, "task": task.pk})  # fmt: skip
    assert response.status_code == 302
    message = Message.objects.get(customer=customer, template_code="faq_answer")
    assert f"/help/{store.code}/faq/{answers['filter'].pk}/" in message.text
    share = answers["filter"].shares.get()
    assert share.followup_task_id == task.pk and share.message_id == message.pk


def test_faq_pages_and_search_stay_in_the_store(store, other_store, staff, answers, client_for):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="py-care")
    MembershipFactory(user=outsider, store=other_store, role="customer_care")
    client = client_for(outsider)
    assert client.get(reverse("desk:faq_entry", args=[answers["filter"].pk])).status_code == 404
    entries = FaqEntry.objects.for_user(outsider, "desk.work")
    assert selectors.faq_search(entries=entries, store_ids=[other_store.pk], query="机油").entries == []


def test_the_api_searches_and_writes_answers(store, staff, answers, api_client_for):
    api = api_client_for(staff["advisor"])
    body = api.get("/api/v1/desk/faq/", {"q": "jiyou"}).json()
    assert [row["id"] for row in body["results"]] == [answers["filter"].pk]
    assert api.post("/api/v1/desk/faq/", {}, format="json").status_code == 403
    care = api_client_for(staff["customer_care"])
    bad = care.post("/api/v1/desk/faq/", {"store": store.pk, "category": "oil", "question": "", "answer": "x"},
                    format="json")  # fmt: skip
    assert bad.status_code == 400 and "question" in bad.json()
    question = {
        "store": store.pk,
        "category": "ev",
        "question": "家用充电桩怎么安装？",
        "answer": "购车后由厂家授权的安装商上门勘测安装。",
    }
    made = care.post("/api/v1/desk/faq/", question, format="json")
    assert made.status_code == 201
    assert [row["id"] for row in api.get("/api/v1/desk/faq/", {"q": "充电桩"}).json()["results"]] == [made.json()["id"]]


def test_a_search_is_two_queries_the_synonyms_and_the_ranked_answers(store, staff, answers, django_assert_num_queries):
    services.synonym_save(actor=staff["service_manager"], store=store, word="电瓶", synonym="蓄电池")
    segment.tokenizer()  # the dictionary loads once per process, before the first search
    entries = FaqEntry.objects.for_user(staff["advisor"], Perm.DESK_WORK)
    with django_assert_num_queries(2):
        found = selectors.faq_search(entries=entries, store_ids=[store.pk], query="电瓶没电 机油").entries
    assert found == [answers["filter"], answers["battery"]]  # one word each, equally used: oldest first
