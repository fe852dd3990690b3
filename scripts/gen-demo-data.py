#!/usr/bin/env python3
"""Generates the data served by `volc-im demo-server` into assets/demo/.

Deterministic: the same script always writes the same bytes (one seeded random
generator, no clock, no hash-ordered iteration). Run it from anywhere:

    python3 scripts/gen-demo-data.py

Files written:
  users.json             the app's users (BatchGetUser)
  conversations.json     the conversations, with their member lists
  messages-group.json    a team group chat planning a product launch (~600 messages)
  messages-direct.json   a one-to-one chat (~80 messages)
  messages-live.json     the launch livestream's live group (~300 messages)

Each messages file is a JSON array holding one MessageBody per line, ordered by
IndexInConversation (1..N). The server hands these objects out byte for byte, so
fields the program does not know (ClientMsgId, Mentions) show that such fields
survive the trip.
"""

import datetime
import json
import os
import random

SEED = 20250515
APP_ID = 100001
GROUP = 7300000000000000001
DIRECT = 7300000000000000002
LIVE = 7300000000000000003

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "demo")
MEDIA = "https://example.com/volc-im-demo"
TZ = datetime.timezone(datetime.timedelta(hours=8))

TEXT, STICKER, IMAGE, VIDEO, FILE, AUDIO, SYSTEM, LINK, CUSTOM = (
    10001, 10002, 10003, 10004, 10005, 10006, 10008, 10009, 10012)
UNKNOWN_TYPE = 10077

rng = random.Random(SEED)

ALICE, XIAOYU, MARCO, KEN, WANG, PRIYA, ZHANG, EMILIE, XIAOLI, OMAR, BOT = (
    1880000001 + i for i in range(11))

USERS = [
    (ALICE, "Alice Chen", "alice.png", {"title": "Product lead", "team": "launch"}),
    (XIAOYU, "林小雨", "xiaoyu.png", {"title": "设计师"}),
    (MARCO, "Marco Rossi 🚀", "marco.png", {"title": "Marketing"}),
    (KEN, "佐藤 健 Ken", "ken.png", None),
    (WANG, "王强", "wangqiang.png", {"title": "后端"}),
    (PRIYA, "Priya Nair", "priya.png", {"title": "QA"}),
    (ZHANG, "张伟 Zhang Wei", None, None),
    (EMILIE, "Émilie ✨", "emilie.png", {"locale": "fr-FR"}),
    (XIAOLI, "小李🐱", "xiaoli.png", None),
    (OMAR, "Omar Haddad", "omar.png", {"locale": "ar"}),
    (BOT, "CI 机器人 🤖", "bot.png", {"bot": "true"}),
]
NAMES = {uid: name for uid, name, _, _ in USERS}

GROUP_MEMBERS = [ALICE, XIAOYU, MARCO, KEN, WANG, PRIYA, ZHANG, EMILIE, OMAR, BOT]
HUMANS = [ALICE, XIAOYU, MARCO, KEN, WANG, PRIYA, ZHANG, EMILIE, XIAOLI, OMAR]

HINTS = {IMAGE: "[图片]", STICKER: "[表情]", VIDEO: "[视频]", AUDIO: "[语音]",
         FILE: "[文件]", CUSTOM: "[自定义消息]", LINK: "[链接]"}
HINT_CHARS = 60


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text_content(text):
    return dumps({"text": text})


def epoch_ms(day, hour, minute):
    return int(datetime.datetime(2025, 5, day, hour, minute, tzinfo=TZ).timestamp()) * 1000


class Conversation:
    """Appends messages with increasing index, id and time."""

    def __init__(self, cid, ctype, id_base, id_step):
        self.cid, self.ctype = cid, ctype
        self.next_id, self.id_step = id_base, id_step
        self.messages = []
        self.t = 0

    def at(self, day, hour, minute):
        self.t = epoch_ms(day, hour, minute) + rng.randrange(0, 60_000)

    def later(self, lo=3, hi=80):
        self.t += rng.randrange(lo * 1000, hi * 1000)

    def pause(self, lo_min=12, hi_min=95):
        self.t += rng.randrange(lo_min * 60_000, hi_min * 60_000)

    def add(self, sender, mtype, content, *, status=0, ext=None, ref=None, extra=None,
            gap=None):
        if gap is None:
            self.later()
        else:
            self.later(*gap)
        self.next_id += rng.randrange(*self.id_step)
        m = {
            "AppId": APP_ID,
            "ConversationShortId": self.cid,
            "ConversationType": self.ctype,
            "MessageId": self.next_id,
            "Sender": sender,
            "MsgType": mtype,
            "Content": content,
            "CreateTime": self.t,
            "Status": status,
        }
        if ext:
            m["Ext"] = ext
        m["IndexInConversation"] = len(self.messages) + 1
        if ref is not None:
            m["RefMsgInfo"] = ref_info(ref)
        if extra:
            m.update(extra)
        self.messages.append(m)
        return m

    def text(self, sender, text, **kw):
        return self.add(sender, TEXT, text_content(text), **kw)

    def recent_text(self, not_sender, within=15):
        pool = [m for m in self.messages[-within:]
                if m["MsgType"] == TEXT and m["Sender"] != not_sender and m["Status"] == 0
                and "RefMsgInfo" not in m and quoted_text(m)]
        return rng.choice(pool) if pool else None


def quoted_text(m):
    try:
        value = json.loads(m["Content"])
        return value.get("text", "") if isinstance(value, dict) else m["Content"]
    except ValueError:
        return m["Content"]


def ref_info(m, hint=None):
    if hint is None:
        if m["Status"] == 3:
            hint = "[消息已撤回]"
        elif m["MsgType"] == TEXT:
            text = quoted_text(m).replace("\n", " ")
            hint = text if len(text) <= HINT_CHARS else text[:HINT_CHARS] + "…"
        else:
            hint = HINTS.get(m["MsgType"], "[消息]")
    return {
        "ReferencedMessageId": m["MessageId"],
        "Hint": hint,
        "ReferencedMessageType": m["MsgType"],
        "Status": m["Status"],
    }


def media(kind, name, **fields):
    entry = {"remoteURL": f"{MEDIA}/{name}"}
    entry.update(fields)
    return dumps({"__files": {kind: entry}})


def client_ext():
    return rng.choice([
        {"client": "ios", "app_version": "6.3.0"},
        {"client": "android", "app_version": "6.2.8"},
        {"client": "mac", "app_version": "3.1.4"},
        {"client": "web"},
    ])


def client_msg_id():
    return "cmid-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))


class Deck:
    """Draws lines without repeating until all were used."""

    def __init__(self, lines):
        self.lines, self.left = list(lines), []

    def draw(self):
        if not self.left:
            self.left = list(self.lines)
            rng.shuffle(self.left)
        return self.left.pop()


SUBJECTS = [
    "landing page", "发布会 PPT", "press kit", "App Store 截图", "pricing page",
    "新手引导流程", "release notes", "直播脚本", "demo video", "FAQ 文档", "推送文案",
    "build 6.3.0-rc2", "onboarding emails", "海报", "partner deck", "埋点方案",
    "status page", "英文版文案", "referral banner", "灰度开关",
]
TEMPLATES = [
    "{s} is ready for review 👀", "{s} 还差最后两处修改", "{s} needs one more pass",
    "{s} 已经上传到共享盘了", "{s} is blocked on legal review", "I'll finish {s} by {time}",
    "{s} 今天下班前能定稿吗？", "who owns {s}?", "{s} 的截止时间是哪天？",
    "@{name} can you take a look at {s}?", "{s} looks great, tiny nit on spacing",
    "{s} 我这边没问题了 ✅", "just pushed a new version of {s}", "{s} 的第三版比第二版好很多",
    "can we cut scope on {s}?", "{s} 需要和市场那边再对一下", "{s}: merged 🎉",
    "{s} 我明早第一件事处理", "reminder: {s} freeze is {time}", "{s} 里面的数据是最新的吗？",
]
TIMES = ["tonight", "noon tomorrow", "3pm", "明天上午", "周二", "end of day", "下午四点"]
REPLIES = Deck([
    "👍", "收到", "on it", "好的，我下午前给你", "agreed", "+1", "LGTM", "没问题",
    "let me check", "稍等，我看一下", "done ✅", "明白", "makes sense", "我来跟进",
    "good catch!", "哈哈哈 确实", "not sure about this one 🤔", "可以，按这个来",
    "I'll ping them again", "这个我记下了", "yes please 🙏", "同意 +1",
    "let's discuss in standup", "已改", "thanks!", "👌",
])
DAY_LINES = {
    "kickoff": [
        "大家好！发布会定在下周四 5 月 15 日 🎉", "Welcome everyone, this group is for the 6.3 launch",
        "Timeline doc is pinned, please add your tasks", "我们这次的主题是「更快、更安静」",
        "Do we have a budget for paid ads yet?", "设计这边周一出第一版 KV", "Who is handling the livestream?",
        "直播我来负责，Marco 主持英文部分", "Can we get the beta build to press by Tuesday?",
        "后端扩容方案我今晚发出来", "Priya, what's the QA sign-off date?",
        "QA sign-off Wednesday noon, no later", "周末大家好好休息，下周冲刺 💪",
        "I'll set up the war room channel alerts", "记得填一下值班表",
    ],
    "design": [
        "KV 第一版出来了，大家看看", "The blue feels a bit cold, can we warm it up?",
        "暗色模式的截图也要准备吗？", "Yes, dark mode screenshots for all 6 sizes",
        "字体授权确认过了，可以商用", "Landing page hero copy: 'Quiet by design'",
        "slogan 的中文版本还在想", "「安静，是一种速度」怎么样？", "Love it ❤️",
        "icon 的圆角要不要统一成 22px？", "Mobile layout breaks under 360px wide",
        "已修复 360px 的问题，刷新试试", "Can someone check the French copy? @Émilie",
        "The French copy reads fine, two accents were missing", "合作方 logo 需要授权邮件",
        "Marketing wants the video at 45 seconds, not 60", "视频剪到 45 秒会丢掉对比镜头",
        "We could keep the comparison and drop the intro", "Figma 链接更新了",
    ],
    "beta": [
        "beta 反馈汇总在表格里了，一共 143 条", "Top complaint: sync takes too long on first launch",
        "首次同步慢的问题我在查", "Crash rate on Android 14 is 0.3%, up from 0.1%",
        "已经定位到了，是图片缓存的 OOM", "Can we ship with a known issue in the notes?",
        "不行，崩溃必须修", "Fix is in review, ETA two hours", "测试服已经部署新包",
        "Priya can you rerun the smoke suite?", "smoke suite 全绿 ✅", "One flaky test on iPad, not related",
        "性能数据：冷启动 1.2s → 0.8s 🚀", "Battery drain looks normal now", "有用户反馈通知重复",
        "Duplicate notifications: server side, fixing", "push 去重已上线", "Let's freeze features tonight",
        "今晚 22:00 代码冻结",
    ],
    "press": [
        "Press release draft v2 is in the doc", "新闻稿中文版我来改", "Embargo lifts Thursday 10:00 CST",
        "媒体名单一共 38 家", "TechDaily wants an interview with Alice", "采访安排在周三下午可以吗？",
        "Pricing: free tier stays, Pro goes to ¥68/月", "定价页面改好了", "Legal approved the pricing page ✅",
        "日文版 App Store 描述还没有", "I'll do the Japanese store text tonight", "翻译已经全部提交",
        "Arabic store listing needs RTL screenshots", "RTL 截图已经补上", "Partner deck sent to 12 partners",
        "有两家合作方要求延期公布", "We keep the date, they can announce later",
    ],
    "rehearsal": [
        "彩排 14:00 开始，会议室 3", "Mic check done, audio is clean", "直播推流码已经发到群公告",
        "Backup stream is on the second encoder", "演示账号都登录好了吗？", "Demo accounts ready: demo1 to demo5",
        "Slides: slide 14 typo 'recieve'", "已改，谢谢", "Rehearsal took 52 minutes, target is 45",
        "砍掉第 9 页和第 10 页", "Q&A moderators: Ken and Omar", "弹幕审核规则我发一下",
        "The countdown timer is off by one minute", "倒计时已修正", "Lighting is too warm on camera 2",
        "相机 2 换了白平衡", "Everyone rest well tonight 😴", "明天 18:30 到场",
    ],
    "launch": [
        "🚀🚀🚀 今天发布！", "Store listings are live in 41 regions", "安卓各大商店已经全部上架",
        "Traffic is 3x normal, servers are fine", "QPS 峰值 12k，扩容生效", "First review on the store: ★★★★★",
        "The embargo lifted, 9 articles so far", "微博热搜第 27 名 😂", "Support queue: 34 tickets, mostly login",
        "登录问题是第三方 SSO 抖动，已恢复", "Reddit thread is mostly positive", "午饭大家轮流吃，别都走开",
        "Crash-free sessions 99.93%", "客服那边需要一份统一回复口径", "Canned replies for support are in the doc",
    ],
    "stream": [
        "Livestream starts in 30 minutes", "直播间已经有 800 人了", "Mic 2 battery is at 40%, swapping",
        "推流正常，码率 6 Mbps", "Host notes are on the tablet", "弹幕审核已就位", "Camera 1 framing looks good",
    ],
    "after": [
        "Great job on the stream everyone 👏", "直播回放已经上传", "Downloads so far: 58k",
        "这个数字超过预期了 🎉", "Peak viewers 1,532", "Q&A 里问得最多的是平板版", "Let's write the recap tomorrow",
        "辛苦了，早点回家", "Night shift: Wang and Ken on call", "今晚值班的同学有情况随时 @ 我",
    ],
    "retro": [
        "复盘会周一上午十点", "What went well: the freeze, the rehearsal, the stream",
        "要改进的：翻译太晚、媒体名单太晚", "Next time: staging environment a week earlier",
        "谢谢大家这周的付出 🙏", "Drinks on me next Friday 🍻", "照片我上传到相册了",
        "Closing the war room channel tonight",
    ],
}
DECKS = {k: Deck(v) for k, v in DAY_LINES.items()}


def templated_line():
    line = rng.choice(TEMPLATES).format(
        s=rng.choice(SUBJECTS), time=rng.choice(TIMES),
        name=rng.choice(["Marco", "Ken", "Priya", "小雨", "王强", "Émilie"]))
    return line[0].upper() + line[1:]


def chatter(conv, topic, count, senders):
    """Ordinary talk: topic lines, templated status lines and replies."""
    humans = [s for s in senders if s != BOT]
    for _ in range(count):
        sender = rng.choice(humans)
        roll = rng.random()
        target = conv.recent_text(sender)
        ext = client_ext() if rng.random() < 0.08 else None
        if roll < 0.16 and target is not None:
            conv.text(sender, REPLIES.draw(), ref=target, ext=ext, gap=(4, 50))
        elif roll < 0.52:
            conv.text(sender, DECKS[topic].draw(), ext=ext)
        else:
            conv.text(sender, templated_line(), ext=ext)
        if rng.random() < 0.07:
            conv.pause(8, 50)


LONG_EN_INTRO = (
    "DRAFT v2 — Launch announcement (please comment in the doc, not here)\n\n"
    "Today we are releasing version 6.3, the quietest and fastest version of our app so far. "
    "Over the last six months we listened to thousands of people who told us the same thing in "
    "different words: they want to focus, and their tools keep interrupting them. Version 6.3 is "
    "our answer. It starts in under a second on most phones, it syncs your history in the "
    "background without blocking you, and it groups notifications so that you hear from us only "
    "when something needs you.\n\n"
)
LONG_EN_FAQ = [
    ("Is 6.3 a free update?", "Yes. Everyone on the free tier gets every feature described here."),
    ("What happens to my Pro subscription?", "Nothing changes for existing subscribers until their next renewal."),
    ("Which platforms are supported?", "iOS 15 and later, Android 9 and later, macOS 12 and later, and the web."),
    ("Does the new sync use more data?", "No. It sends less, because it only asks for what changed since the last sync."),
    ("Can I turn notification grouping off?", "Yes, in Settings, Notifications, Grouping."),
    ("Is my history stored on your servers?", "Only as long as your workspace retention settings say, as before."),
    ("Why is the app called quiet now?", "Because it should never be the loudest thing on your screen."),
    ("Where do I report a bug?", "Use Help, Report a problem: it attaches the logs we need and nothing else."),
    ("Will there be a tablet layout?", "The tablet layout ships in 6.4, later this summer."),
    ("Which languages are included?", "Chinese, English, Japanese, French, Arabic and nine more at launch."),
    ("How did you make it faster?", "We rewrote the storage layer and moved image decoding off the main thread."),
    ("Can administrators roll it out gradually?", "Yes, the admin console can hold back updates for up to 30 days."),
]
LONG_ZH = (
    "【新闻稿 中文初稿 v1】请大家重点看第三段和结尾的数据是否准确。\n\n"
    "今天，我们正式发布 6.3 版本。这是迄今为止最安静、也最快的一个版本。过去半年里，我们和上千位用户聊过，"
    "大家用不同的话说着同一件事：希望专注，而工具总是在打扰。6.3 就是我们的回答。\n\n"
    "在大多数手机上，6.3 的冷启动时间已经缩短到一秒以内。历史消息改为在后台同步，打开应用就能立即开始工作，"
    "不再需要等待进度条走完。我们重写了存储层，把图片解码移出了主线程，滚动长对话时也不再卡顿。\n\n"
    "通知分组是这次最重要的改变之一。同一个对话里的多条消息会合并成一条提醒，只有真正需要你处理的事情才会响铃。"
    "在内测中，用户每天收到的提醒数量平均减少了百分之四十二，而错过重要消息的反馈没有增加。\n\n"
    "我们也没有忘记无障碍和多语言。6.3 支持中文、英文、日文、法文、阿拉伯文等十四种语言，阿拉伯文界面完整支持从右到左的排版；"
    "读屏软件可以正确朗读每一条消息的发送人、时间和内容；所有按钮都满足最小点击区域的要求。\n\n"
    "对于企业客户，管理后台新增了分批推送更新的能力，管理员可以把新版本先推给一小部分成员，观察一段时间后再全量发布，"
    "最长可以暂缓三十天。消息保留策略、审计日志和单点登录的配置方式都保持不变，升级不需要任何额外操作。\n\n"
    "免费版用户可以使用本文提到的全部新功能；专业版的价格和权益在现有订阅到期之前不会改变。"
    "6.3 版本今天起在全球四十一个国家和地区的应用商店陆续上架，安卓用户也可以在各大主流商店下载。\n\n"
    "“我们希望它永远不是屏幕上最吵的那个东西。”产品负责人 Alice Chen 说，“好的工具应该在你需要的时候出现，"
    "在你专注的时候安静。6.3 是我们朝这个方向迈出的一大步，但远远不是终点。”\n\n"
    "接下来，平板布局将在今年夏天随 6.4 版本推出；我们也在和合作伙伴一起测试更多的集成方式，"
    "让日程、文档和任务能够在对话里直接完成。感谢每一位参与内测、提交反馈、耐心等待的用户，是你们让这个版本变得更好。\n\n"
    "关于我们：我们是一支分布在北京、上海、东京、巴黎和迪拜的团队，致力于打造让人专注的沟通工具。"
    "产品目前服务于超过两万家企业和数百万个人用户，覆盖教育、零售、制造、互联网和公共服务等多个行业。"
    "我们相信，沟通的目的是把事情做成，而不是制造更多的消息；每一个功能上线之前，我们都会问自己一个问题：它会让人更专注，还是更分心？\n\n"
    "媒体联系：请通过群公告里的邮箱联系 Marco，我们会在二十四小时内回复。采访可以安排在发布当天下午或者第二天上午，"
    "可以选择线上或者线下；线下采访地点在北京办公室三层的多功能厅。如需高清产品截图、团队照片和演示视频，"
    "可以在新闻资料包中直接下载，资料包里同时提供了中英文两个版本的产品说明和常见问题解答。\n\n"
    "附：关键数据一览。冷启动时间：一点二秒降至零点八秒；首次同步耗时：平均缩短百分之六十；通知数量：平均减少百分之四十二；"
    "崩溃率：千分之一以下；内测用户：一万两千人；收集反馈：三千四百余条；修复问题：八百七十六个。以上数据均来自内测期间的统计，"
    "正式版本上线后我们会在官方博客持续更新。\n\n"
    "（完）"
)
CHANGELOG_ITEMS = [
    "fix: crash when opening a conversation with 10k+ messages", "fix: duplicate push after reconnect",
    "perf: decode images off the main thread", "perf: batch history sync requests", "feat: notification grouping",
    "feat: dark mode for the media viewer", "fix: RTL layout of quoted replies", "fix: emoji width in the composer",
    "chore: bump storage schema to v14", "i18n: Arabic, Hebrew and Thai strings", "fix: search ignores accents",
    "feat: admin staged rollout", "fix: wrong unread count after recall", "perf: cold start under 1s",
    "a11y: screen reader labels for reactions", "fix: file upload stalls at 99%", "feat: share sheet extension",
    "fix: timestamps off by one day near midnight", "test: smoke suite on Android 14", "docs: FAQ for 6.3",
]


def long_english():
    parts = [LONG_EN_INTRO, "Frequently asked questions\n\n"]
    for q, a in LONG_EN_FAQ:
        parts.append(f"Q: {q}\nA: {a}\n\n")
    parts.append("Thanks to everyone who tested the beta and sent feedback. — The 6.3 team")
    return "".join(parts)


def changelog():
    lines = ["Release notes 6.3.0 (full list, generated):"]
    for i in range(3):
        for j, item in enumerate(CHANGELOG_ITEMS):
            lines.append(f"- [{i * len(CHANGELOG_ITEMS) + j + 1:03}] {item}")
    return "\n".join(lines)


def build_group():
    c = Conversation(GROUP, 2, 7_300_000_000_000_000_000 + 18_476_213_000_000, (10**9, 10**11))
    members = GROUP_MEMBERS
    # Friday: kickoff.
    c.at(9, 9, 40)
    c.add(ALICE, SYSTEM, dumps({"type": "group_created", "operator": ALICE,
                                "text": "Alice Chen 创建了群聊「Launch crew 🚀」"}))
    c.add(ALICE, SYSTEM, dumps({"type": "members_added", "operator": ALICE,
                                "members": [m for m in members if m != ALICE],
                                "text": "Alice Chen 邀请 林小雨、Marco Rossi 🚀、佐藤 健 Ken、王强、Priya Nair、张伟 Zhang Wei、Émilie ✨、Omar Haddad、CI 机器人 🤖 加入了群聊"}))
    hello = c.text(ALICE, "Hi all 👋 这个群用来筹备 6.3 的发布。\n目标：\n1. 5/15 发布\n2. 当天晚上直播\n3. 零 P0 事故",
                   ext={"pinned": "true"}, extra={"ClientMsgId": client_msg_id()})
    c.text(MARCO, "Let's go! 🚀", ref=hello)
    c.text(KEN, "よろしくお願いします！ Happy to help with the Japanese store text", gap=(10, 60))
    plan = c.add(ALICE, FILE, media("file", "launch-plan-v3.pdf", fileName="launch-plan-v3.pdf",
                                    size=2483113, mimeType="application/pdf"))
    c.text(PRIYA, "Thanks, reading the plan now", ref=plan)
    chatter(c, "kickoff", 45, members)
    c.add(ALICE, CUSTOM, dumps({"type": "poll", "question": "直播用哪个平台？ Which platform for the stream?",
                                "options": ["App 内直播间", "Video site", "Both"],
                                "votes": {"App 内直播间": 5, "Video site": 1, "Both": 2}, "closed": False}))
    chatter(c, "kickoff", 20, members)
    c.pause(300, 420)
    c.text(WANG, "扩容方案发了，周一大家看下 🙏", extra={"ClientMsgId": client_msg_id()})

    # Monday: design.
    c.at(12, 9, 12)
    c.text(ALICE, "早上好 ☀️ 新的一周！Standup at 10:00")
    kv = c.add(XIAOYU, IMAGE, media("image", "kv-v1.png", width=1920, height=1080, size=824113,
                                    mimeType="image/png"))
    c.text(MARCO, "Wow 😍 the gradient is beautiful", ref=kv)
    c.text(EMILIE, "C'est magnifique ✨", ref=kv, extra={"Mentions": [XIAOYU]})
    chatter(c, "design", 35, members)
    c.add(XIAOYU, STICKER, dumps({"__files": {"sticker": {"remoteURL": f"{MEDIA}/stickers/thumbs-up.gif"}},
                                  "name": "thumbs_up"}))
    c.text(MARCO, long_english(), ext={"doc": "press-release-en"})
    chatter(c, "design", 35, members)
    c.add(ZHANG, TEXT, "ok 👍")  # plain text, not JSON
    c.add(XIAOYU, IMAGE, media("image", "dark-mode-screens.png", width=1284, height=2778, size=1204551,
                               mimeType="image/png"))
    chatter(c, "design", 35, members)
    c.pause(200, 300)
    c.text(XIAOYU, "还在改 KV……大家早点睡 🌙")

    # Tuesday: beta feedback, a noisy CI paste, a recall.
    c.at(13, 9, 5)
    c.text(PRIYA, "Beta feedback summary:\n• 143 items\n• 12 crashes\n• 31 UI\n• the rest: wishes 🙂")
    chatter(c, "beta", 30, members)
    c.text(BOT, "\u001b[31mBUILD FAILED\u001b[0m android-release #1184\n"
                "\u001b[1;33mwarning:\u001b[0m unused variable `cache_size`\n"
                "see \u001b]8;;https://example.com/ci/1184\u0007the log\u001b]8;;\u0007",
           ext={"source": "ci", "pipeline": "1184"})
    c.add(BOT, TEXT, "\u001b]0;pwned title\u0007progress 10%\r100% done\u001b[2J\u001b[H")
    c.text(PRIYA, "why is the bot shouting in red 😅", gap=(20, 90))
    c.text(WANG, "reverted 1184, rebuilding\u0008\u0008\u0008\u0008\u0008\u0008\u0008\u0008\u0008\u0008fixed \u009b31mhidden\u009b0m")
    chatter(c, "beta", 30, members)
    crash = c.add(PRIYA, IMAGE, media("image", "crash-stacktrace.png", width=1170, height=2532,
                                      size=402199, mimeType="image/png"))
    c.text(WANG, "看到了，是 ImageCache 的问题", ref=crash)
    c.text(PRIYA, changelog(), ext={"source": "release-tool"})
    chatter(c, "beta", 35, members)
    c.add(KEN, CUSTOM, dumps({"type": "task", "title": "Japanese store text",
                              "assignee": KEN, "due": "2025-05-14", "done": False}))
    chatter(c, "beta", 15, members)

    # Wednesday: press and pricing, a recalled message and a reply to it, RTL text.
    c.at(14, 9, 20)
    c.text(MARCO, "Press day 📰")
    wrong = c.text(MARCO, "Pricing confirmed: Pro is ¥99/月", status=3)
    c.text(MARCO, "Sorry, wrong number. Pro is ¥68/月", gap=(5, 20))
    c.text(WANG, "刚才那条写错了吧？别让媒体看到 😅", ref=wrong)
    chatter(c, "press", 30, members)
    c.text(ALICE, LONG_ZH, ext={"doc": "press-release-zh"})
    chatter(c, "press", 30, members)
    c.text(EMILIE, "Omar sent the Arabic tagline: «هادئ بطبيعته، سريع بطبيعته» and the Hebrew one: «שקט מטבעו»")
    c.add(OMAR, TEXT, text_content("مرحبا بالجميع! الإطلاق يوم الخميس، والبث المباشر في الساعة السابعة والنصف مساءً 🎉"))
    c.add(ALICE, LINK, dumps({"url": "https://example.com/volc-im-demo/launch", "title": "6.3 launch page (staging)",
                              "description": "Quiet by design"}))
    chatter(c, "press", 25, members)
    c.add(ALICE, UNKNOWN_TYPE, dumps({"kind": "reaction_summary",
                                      "items": [{"emoji": "🎉", "count": 7}, {"emoji": "👍", "count": 5}]}))
    c.add(XIAOYU, VIDEO, media("video", "teaser-45s.mp4", duration=45, width=1920, height=1080,
                               size=18733210, mimeType="video/mp4"))
    c.pause(60, 120)
    # Afternoon rehearsal.
    c.text(ALICE, "彩排开始 🎬", extra={"Mentions": [MARCO, KEN, XIAOYU]})
    chatter(c, "rehearsal", 40, members)
    c.add(ALICE, SYSTEM, dumps({"type": "announcement", "operator": ALICE,
                                "text": "Alice Chen 更新了群公告：明天 18:30 到场，19:30 开播"}))
    chatter(c, "rehearsal", 15, members)

    # Thursday: launch day.
    c.at(15, 8, 30)
    launch = c.text(ALICE, "It's launch day!!! 🚀🎉\n今天辛苦大家了", extra={"ClientMsgId": client_msg_id()})
    c.text(MARCO, "🚀🚀🚀", ref=launch)
    c.add(KEN, TEXT, "Let's do this")
    chatter(c, "launch", 45, members)
    c.add(MARCO, IMAGE, media("image", "store-listing-live.jpg", width=1080, height=1920, size=301442,
                              mimeType="image/jpeg"))
    c.at(15, 18, 40)
    chatter(c, "stream", 10, members)
    c.at(15, 21, 52)
    chatter(c, "after", 20, members)
    c.add(PRIYA, CUSTOM, dumps({"type": "metric_card", "title": "Downloads (6h)", "value": 58231,
                                "delta": "+212%"}))
    chatter(c, "after", 10, members)

    # Friday: retro.
    c.at(16, 10, 15)
    c.add(WANG, TEXT, "昨天的监控截图我整理好了")
    chatter(c, "retro", 40, members)
    c.text(ALICE, "Thank you all ❤️ 这是我参与过最顺利的一次发布。", extra={"ClientMsgId": client_msg_id()})
    return c


def build_direct():
    c = Conversation(DIRECT, 1, 7_300_000_000_000_000_000 + 92_411_007_000_000, (10**9, 10**11))
    lines = [
        (9, 9, 55, [
            (ALICE, "小雨，KV 的方向我们下午聊一下？"), (XIAOYU, "好呀，两点后都行"),
            (ALICE, "2:30 会议室 5"), (XIAOYU, "👌"),
        ]),
        (9, 14, 40, [
            (ALICE, "刚才说的三个方向：\n1. 安静的蓝\n2. 暖色渐变\n3. 纯黑白"),
            (XIAOYU, "我倾向 2，和 slogan 更搭"), (ALICE, "agree, go with 2"),
            (XIAOYU, "周一给你第一版"),
        ]),
        (11, 21, 10, [
            (XIAOYU, "周末打扰一下，KV 里的产品截图用哪个版本？"), (ALICE, "用 rc1 的就行，界面不会再变了"),
            (XIAOYU, "收到～"),
        ]),
        (12, 8, 50, [
            (XIAOYU, "KV 第一版发群里了"), (ALICE, "看到了！很好看 😍"), (ALICE, "Marco 觉得蓝色有点冷"),
            (XIAOYU, "我调一下色温"), (XIAOYU, "@Alice 这样呢？"),
        ]),
        (12, 16, 20, [
            (ALICE, "今晚能给我暗色模式的 6 张截图吗？"), (XIAOYU, "可以，九点前"),
            (ALICE, "thanks 🙏"),
        ]),
        (13, 23, 40, [
            (XIAOYU, "还在改 KV，字体的授权邮件你转我一下？"), (ALICE, "转了，早点休息 🌙"),
            (XIAOYU, "马上就睡 😴"),
        ]),
        (14, 11, 5, [
            (ALICE, "新闻稿里的截图要换成最新的"), (XIAOYU, "哪一张？"), (ALICE, "第三张，设置页"),
            (XIAOYU, "好，十分钟"), (XIAOYU, "换好了"), (ALICE, "perfect"),
        ]),
        (14, 19, 30, [
            (ALICE, "彩排的时候你能帮忙盯一下大屏吗？"), (XIAOYU, "没问题"),
            (XIAOYU, "倒计时那页的字体太小了，明天我再放大一点"), (ALICE, "好"),
        ]),
        (15, 7, 50, [
            (ALICE, "早！今天加油 💪"), (XIAOYU, "加油加油！"), (XIAOYU, "我 6 点到场布置"),
        ]),
        (15, 22, 5, [
            (XIAOYU, "直播太顺利了 🎉🎉"), (ALICE, "多亏了你的大屏设计"), (XIAOYU, "嘿嘿 ☺️"),
            (ALICE, "明天中午请你吃饭"), (XIAOYU, "那我要吃火锅 🍲"), (ALICE, "deal"),
        ]),
        (16, 12, 0, [
            (ALICE, "到了吗？"), (XIAOYU, "马上，堵车了 🚗"), (ALICE, "不急，我先点锅底"),
        ]),
    ]
    small = Deck(["哈哈", "ok", "👍", "好的", "在吗？", "在的", "🙏", "明白", "稍等", "got it",
                  "我看看", "可以", "嗯嗯", "😂", "刚开完会", "晚点回你", "好滴", "👌", "收到～", "nice"])
    for day, hour, minute, talk in lines:
        c.at(day, hour, minute)
        for sender, text in talk:
            target = c.recent_text(sender, within=4)
            if rng.random() < 0.12 and target is not None:
                c.text(sender, text, ref=target)
            else:
                c.text(sender, text)
            if text.endswith("这样呢？"):
                img = c.add(XIAOYU, IMAGE, media("image", "kv-v2-warm.png", width=1920, height=1080,
                                                 size=790554, mimeType="image/png"))
                c.text(ALICE, "这个好！就它了 ✅", ref=img)
        if day == 13:
            c.add(ALICE, AUDIO, media("audio", "voice-0513.m4a", duration=14, size=58211,
                                      mimeType="audio/mp4"))
        # Small talk around each exchange, so the chat reads like one.
        for _ in range(rng.randrange(1, 5)):
            c.text(rng.choice([ALICE, XIAOYU]), small.draw(), gap=(5, 120))
    while len(c.messages) < 80:
        c.text(rng.choice([ALICE, XIAOYU]), small.draw(), gap=(5, 120))
    return c


LIVE_LINES = Deck([
    "666", "🔥🔥🔥", "来了来了", "Hello from Berlin 👋", "什么时候能下载？", "主播声音有点小", "price?", "支持！",
    "期待很久了", "画面卡了吗？", "Android 版本呢？", "👏👏👏", "太酷了", "Is there a free tier?", "弹幕护体",
    "第一次来", "前排", "こんにちは！", "Love the new dark mode", "能再演示一下吗", "哈哈哈哈", "The demo is so smooth",
    "有回放吗？", "抽奖什么时候开始", "Marco 的英文好标准", "Bonjour de Lyon 🇫🇷", "更新了，确实快", "iPad 版呢",
    "通知分组太需要了", "冷启动真的快", "❤️❤️❤️", "求链接", "已下载", "What about Linux?", "主持人好幽默",
    "这个 slogan 好听", "打卡", "卡了", "不卡了", "刚进来，错过了什么", "Greetings from Dubai", "مرحبا 👋",
    "好看", "学到了", "可以导出聊天记录吗？", "dark mode 😍", "老用户表示感动", "赞", "🎉", "1", "2", "3",
])


def build_live():
    c = Conversation(LIVE, 100, 9_223_000_000_000_000_000 + 11_000_000, (10**8, 10**11))
    c.at(15, 19, 25)
    c.add(ALICE, SYSTEM, dumps({"type": "live_started", "text": "直播已开始 Live started"}))
    c.text(ALICE, "欢迎大家来到 6.3 发布会直播间！🎉 Welcome!", ext={"role": "host"})
    c.text(MARCO, "English Q&A at 20:30, drop your questions here 👇", ext={"role": "host"})
    viewers = [u for u in HUMANS if u not in (ALICE, MARCO)]
    hosts_said = 0
    while len(c.messages) < 300:
        n = len(c.messages)
        c.later(1, 40 if n < 260 else 70)
        roll = rng.random()
        sender = rng.choice(viewers)
        if roll < 0.07:
            gift = rng.choice([("火箭", "rocket"), ("小心心", "heart"), ("棒棒糖", "lollipop")])
            c.add(sender, CUSTOM, dumps({"type": "gift", "giftId": gift[1], "giftName": gift[0],
                                         "count": rng.choice([1, 1, 1, 3, 10])}), gap=(0, 5))
        elif roll < 0.10:
            c.add(sender, SYSTEM, dumps({"type": "member_joined", "user": sender,
                                         "text": f"{NAMES[sender]} 进入了直播间"}), gap=(0, 5))
        elif roll < 0.13 and hosts_said < 8:
            hosts_said += 1
            host = rng.choice([ALICE, MARCO])
            target = c.recent_text(host, within=10)
            if target is not None:
                c.text(host, rng.choice(["好问题！", "Good question!", "稍后演示", "Yes, free tier stays 🙂",
                                         "回放会上传的", "Android too, same day"]),
                       ref=target, ext={"role": "host"}, gap=(0, 10))
            else:
                c.text(host, "谢谢大家的支持 ❤️", ext={"role": "host"}, gap=(0, 10))
        else:
            ext = client_ext() if rng.random() < 0.05 else None
            c.text(sender, LIVE_LINES.draw(), ext=ext, gap=(0, 12))
    c.messages[-1]["Content"] = text_content("感谢观看，下次见 👋 Thanks for watching!")
    c.messages[-1]["Sender"] = ALICE
    c.messages[-1]["Ext"] = {"role": "host"}
    return c


def conversation_info(cid, ctype, name, description, owner, members, created, modified, messages,
                      member_count=None, extra=None):
    info = {
        "ConversationShortId": cid,
        "ConversationType": ctype,
        "Name": name,
        "Description": description,
        "AvatarUrl": f"{MEDIA}/avatars/conversation-{cid % 10}.png",
        "OwnerUserId": owner,
        "CreatorUserId": owner,
        "MemberCount": member_count if member_count is not None else len(members),
        "CreateTime": created,
        "ModifyTime": modified,
        "Status": 0,
    }
    if extra:
        info.update(extra)
    info["Members"] = members
    assert messages, name
    return info


def write(name, text):
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_messages(name, conv):
    lines = ",\n".join(dumps(m) for m in conv.messages)
    write(name, "[\n" + lines + "\n]\n")


def check(conv):
    ids = [m["MessageId"] for m in conv.messages]
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2**63 - 1 for i in ids)
    assert [m["IndexInConversation"] for m in conv.messages] == list(range(1, len(ids) + 1))
    times = [m["CreateTime"] for m in conv.messages]
    assert times == sorted(times), conv.cid


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    group, direct, live = build_group(), build_direct(), build_live()
    for conv in (group, direct, live):
        check(conv)
    all_ids = [m["MessageId"] for c in (group, direct, live) for m in c.messages]
    assert len(set(all_ids)) == len(all_ids)
    assert any(len(quoted_text(m)) > 2000 for m in group.messages)

    users = []
    for uid, name, portrait, ext in USERS:
        user = {"UserId": uid, "NickName": name}
        if portrait:
            user["Portrait"] = f"{MEDIA}/avatars/{portrait}"
        if ext:
            user["Ext"] = ext
        users.append(user)
    write("users.json", json.dumps(users, ensure_ascii=False, indent=2) + "\n")

    def seconds(c, i):
        return c.messages[i]["CreateTime"] // 1000

    conversations = {
        "AppId": APP_ID,
        "Conversations": [
            conversation_info(GROUP, 2, "Launch crew 🚀 发布筹备", "6.3 发布筹备群：时间线、设计、媒体、直播",
                              ALICE, GROUP_MEMBERS, seconds(group, 0), seconds(group, -1), group.messages,
                              extra={"Notice": "5/15 发布，19:30 直播。Timeline doc pinned.",
                                     "Ext": {"project": "6.3"}}),
            conversation_info(DIRECT, 1, "Alice Chen & 林小雨", "", ALICE, [ALICE, XIAOYU],
                              seconds(direct, 0) - 86_400 * 30, seconds(direct, -1), direct.messages),
            conversation_info(LIVE, 100, "6.3 发布会直播间 Live", "Launch livestream, 19:30 CST", ALICE,
                              HUMANS, seconds(live, 0) - 3_600, seconds(live, -1), live.messages,
                              member_count=1532, extra={"OnlineCount": 1187}),
        ],
    }
    write("conversations.json", json.dumps(conversations, ensure_ascii=False, indent=2) + "\n")
    write_messages("messages-group.json", group)
    write_messages("messages-direct.json", direct)
    write_messages("messages-live.json", live)
    print(f"group {len(group.messages)}, direct {len(direct.messages)}, live {len(live.messages)} messages")


if __name__ == "__main__":
    main()
