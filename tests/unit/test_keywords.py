"""Keywords for display and search: the matter of the request, not the frame of the letter, place-name parts,
durations or personal data."""

from jiesu.nlp.keywords import keywords, masked_keywords


def test_the_matter_is_kept_and_the_letters_frame_left_out():
    found = keywords("尊敬的领导：我们小区电梯坏了三天，老人下不了楼，希望尽快解决")
    assert found[:2] == ["电梯", "老人"]
    assert not {"领导", "我们", "小区", "三天", "不了", "解决", "尊敬"} & set(found)


def test_a_callers_words_around_the_matter_are_not_keywords():
    assert not {"这边", "最近", "有人", "东西", "管管"} & set(keywords("我们这边最近总有人乱扔东西，晚上还很吵，希望有人管管"))
    assert keywords("地铁站附近的路灯坏了一个星期没人管，谢谢") == ["地铁站", "路灯"]
    assert "天没人" not in keywords("物业公司收了物业费却不干活，楼道垃圾7天没人清理")  # jieba's cut of 7天|没人


def test_the_kind_of_request_is_not_a_keyword():  # 建议 is every suggestion's, 举报 every report's
    assert keywords("建议在长乐路增设公交站") == ["长乐路", "公交站", "增设"]
    assert "咨询" not in keywords("咨询公租房申请条件")


def test_durations_and_numbers_are_not_keywords():
    found = keywords("停水两个月了，物业说还要等半年，3号楼住户每天去打水")
    assert "停水" in found and not {"两个月", "半年", "3号楼"} & set(found)


def test_personal_data_never_becomes_a_keyword():
    found = masked_keywords("我是张三，电话13912345678，身份证11010519491231002X，门口的路灯坏了")
    assert "路灯" in found and not any(c.isdigit() for word in found for c in word)


def test_the_proper_part_of_a_place_name_is_not_a_keyword_but_the_same_word_elsewhere_is():
    assert "电梯" in keywords("幸福小区3号楼电梯坏了一个月没人修")
    for text, place in [("幸福小区3号楼电梯坏了一个月没人修", "幸福"), ("金色家园小区地下车库漏水", "金色"),
                        ("翠竹苑门口人行道被占用摆摊", "翠竹"), ("王家村村口的路灯坏了", "王家")]:
        assert place not in keywords(text), text
    assert "幸福" in keywords("幸福小区的居民幸福感很低，幸福二字无从谈起")  # also said of the matter: kept
