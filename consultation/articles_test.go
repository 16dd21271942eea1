package consultation

import (
	"reflect"
	"strings"
	"testing"
)

// wasteSortingDraft is a regulation-style draft with chapters, sections,
// （一） sub-items, an inserted 第十条之一 and a paragraph that starts with a
// cross-reference to another article.
const wasteSortingDraft = `某市生活垃圾分类管理办法
（征求意见稿）

第一章　总　则

第一条　为了加强生活垃圾分类管理，改善人居环境，促进资源循环利用，根据《中华人民共和国固体废物污染环境防治法》等法律、法规，结合本市实际，制定本办法。
第二条　本市行政区域内生活垃圾的分类投放、分类收集、分类运输、分类处理及其监督管理活动，适用本办法。
第三条　生活垃圾分类管理遵循政府推动、全民参与、城乡统筹、因地制宜的原则。
第四条　市城市管理部门是本市生活垃圾分类管理的主管部门，负责组织、协调、指导和监督本办法的实施。
　　发展改革、生态环境、住房城乡建设、商务等部门按照各自职责做好生活垃圾分类相关工作。

第二章　分类投放

第五条　本市生活垃圾分为以下四类：
　　（一）可回收物，是指废纸、废塑料、废金属、废玻璃、废旧织物等适宜回收利用的生活垃圾；
　　（二）有害垃圾，是指废电池、废灯管、废药品、废油漆及其容器等对人体健康或者自然环境造成直接或者潜在危害的生活垃圾；
　　（三）厨余垃圾，是指家庭、单位食堂、餐饮服务单位产生的易腐性生活垃圾；
　　（四）其他垃圾，是指除前三项以外的生活垃圾。
第六条　产生生活垃圾的单位和个人应当按照分类标准，将生活垃圾投放至相应的收集容器。
第七条　生活垃圾分类管理责任人按照下列规定确定：
　　（一）住宅小区实行物业管理的，物业服务企业为管理责任人；
　　（二）机关、团体、企业事业单位的办公场所，本单位为管理责任人。

第三章　分类收集、运输和处理

第一节　收集与运输

第八条　生活垃圾收集、运输单位应当按照分类标准分类收集、运输，不得将已分类的生活垃圾混合收集、运输。
第九条　收集、运输车辆应当密闭，标示明显的分类标识，防止生活垃圾遗撒和渗滤液滴漏。

第二节　处理

第十条　厨余垃圾应当采用生化处理、堆肥等方式进行资源化利用。
第十条之一　有害垃圾应当交由具有相应资质的单位进行无害化处理。

第四章　法律责任

第十一条　单位未按照分类标准投放生活垃圾的，由城市管理部门责令改正，处五百元以上五千元以下罚款。
　　第六条规定的个人未按照分类标准投放生活垃圾的，由城市管理部门责令改正；拒不改正的，处五十元以上二百元以下罚款。

第五章　附　则

第十二条　本办法自　　年　　月　　日起施行。
`

// parkingOpinion is a 一、二、 style notice with （一） and 1. sub-items, a
// preamble addressed to the recipients and a signature at the end.
const parkingOpinion = `关于进一步加强城市停车管理的实施意见（征求意见稿）

各县（市、区）人民政府，市人民政府各部门：
　　为缓解城市停车难问题，规范停车秩序，经市人民政府同意，现提出如下意见。

一、总体要求
　　坚持以人民为中心，统筹停车设施规划、建设和管理，到2027年基本形成配建停车为主、路外公共停车为辅、路内停车为补充的停车供给体系。
二、加强停车设施规划
　　（一）编制停车专项规划。市自然资源和规划局会同市公安局交警支队于2025年6月底前完成编制。
　　（二）严格配建标准。新建住宅项目按照每户不少于1个停车位配建。
三、推进公共停车场建设
　　鼓励利用边角地、闲置地建设立体停车设施，推动机关、企事业单位停车场错时向社会开放。
四、规范路内停车管理
　　1.路内停车泊位实行动态调整，主干道原则上不设置路内停车泊位。
　　2.路内停车实行分时段差别化收费，具体标准由市发展改革委另行制定。
五、推进智慧停车
　　建设全市统一的智慧停车平台，2025年底前实现公共停车场数据接入率不低于90%。
六、加强执法管理
　　公安交警、城市管理部门按照职责分工，依法查处违法停车行为。
七、完善政策保障
　　对社会资本投资建设公共停车场的，在用地、审批等方面予以支持。
八、强化组织实施
　　各县（市、区）人民政府要落实属地责任，制定具体实施方案。

某市人民政府办公室
2025年3月1日
`

// renovationPlan is a numbered-paragraph plan whose 1. items hold （1）
// sub-items and a line that starts with an amount ("1.5亿元").
const renovationPlan = `某市2025年老旧小区改造实施方案（征求意见稿）
为改善居民居住条件，根据国家和省有关部署，结合我市实际，制定本方案。
1. 改造范围。2000年底前建成、失养失修失管的城镇老旧小区，共计126个。
2. 改造内容。
（1）基础类：供水、排水、供电、道路、消防等设施改造；
（2）完善类：加装电梯、停车设施、无障碍设施建设；
（3）提升类：养老、托育、便民市场等公共服务设施配套。
3. 资金筹措。2025年计划投入资金3.2亿元，其中：
1.5亿元由市级财政安排，其余由区级财政和社会资本承担。
4. 居民参与。改造方案须经小区三分之二以上业主同意，并在小区显著位置公示不少于7日。
5. 实施步骤。2025年4月底前确定改造项目清单，6月底前全面开工，12月底前基本完工。
6. 质量安全。建设单位应当落实工程质量安全主体责任，严格执行竣工验收制度。
7. 长效管理。改造完成后，由街道指导小区建立物业服务或者居民自治管理机制。
8. 监督考核。市住房城乡建设局对各区改造进度和质量进行季度通报。
`

// afterSchoolNote has no markers at all: blank-line separated paragraphs.
const afterSchoolNote = `关于调整中小学课后服务收费标准的说明

为进一步规范中小学课后服务，减轻家长负担，市发展改革委会同市教育局对现行课后服务收费标准进行了评估。

现行标准自2021年起执行，每生每学期不超过300元。

经测算，课后服务人员劳务报酬和运行成本较2021年上涨约18%。

拟将收费标准调整为每生每学期不超过360元，困难家庭学生免收。

调整后的标准自2025年秋季学期起执行。

学校应当在收费前向家长公示收费项目、标准和依据。

欢迎社会各界提出意见和建议。
`

func articleLabels(arts []Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Label
	}
	return out
}

func articleHeadings(arts []Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Heading
	}
	return out
}

func repeatString(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func concatStrings(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestSplitDraft(t *testing.T) {
	tests := []struct {
		name         string
		text         string
		wantPreamble string
		wantLabels   []string
		wantHeadings []string // nil: all empty
		// wantInside maps an article index to texts it must contain, so a
		// sub-item that started a new article would be noticed.
		wantInside map[int][]string
	}{
		{
			name:         "ArticlesWithChapters",
			text:         wasteSortingDraft,
			wantPreamble: "某市生活垃圾分类管理办法\n（征求意见稿）",
			wantLabels: []string{"第一条", "第二条", "第三条", "第四条", "第五条", "第六条", "第七条",
				"第八条", "第九条", "第十条", "第十条之一", "第十一条", "第十二条"},
			wantHeadings: concatStrings(
				repeatString("第一章 总则", 4),
				repeatString("第二章 分类投放", 3),
				repeatString("第三章 分类收集、运输和处理 / 第一节 收集与运输", 2),
				repeatString("第三章 分类收集、运输和处理 / 第二节 处理", 2),
				[]string{"第四章 法律责任", "第五章 附则"},
			),
			wantInside: map[int][]string{
				3:  {"第四条　市城市管理部门", "发展改革、生态环境"},
				4:  {"（一）可回收物", "（四）其他垃圾"},
				11: {"第十一条　单位", "第六条规定的个人"},
				12: {"第十二条　本办法自"},
			},
		},
		{
			name:         "ChineseNumeralSections",
			text:         parkingOpinion,
			wantPreamble: "关于进一步加强城市停车管理的实施意见（征求意见稿）\n各县（市、区）人民政府，市人民政府各部门：\n为缓解城市停车难问题，规范停车秩序，经市人民政府同意，现提出如下意见。",
			wantLabels:   []string{"一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、"},
			wantInside: map[int][]string{
				1: {"二、加强停车设施规划", "（一）编制停车专项规划", "（二）严格配建标准"},
				3: {"1.路内停车泊位", "2.路内停车实行"},
				7: {"制定具体实施方案", "2025年3月1日"},
			},
		},
		{
			name:         "NumberedParagraphs",
			text:         renovationPlan,
			wantPreamble: "某市2025年老旧小区改造实施方案（征求意见稿）\n为改善居民居住条件，根据国家和省有关部署，结合我市实际，制定本方案。",
			wantLabels:   []string{"1.", "2.", "3.", "4.", "5.", "6.", "7.", "8."},
			wantInside: map[int][]string{
				1: {"（1）基础类", "（3）提升类"},
				2: {"3.2亿元", "1.5亿元由市级财政安排"},
			},
		},
		{
			name:       "PlainParagraphs",
			text:       afterSchoolNote,
			wantLabels: repeatString("", 8),
			wantInside: map[int][]string{
				0: {"关于调整中小学课后服务收费标准的说明"},
				7: {"欢迎社会各界提出意见和建议。"},
			},
		},
		{
			name:       "LinesWithoutBlankLines",
			text:       "加强校园周边交通秩序管理。\n上下学时段增派警力疏导。\n设置临时停车接送区。",
			wantLabels: repeatString("", 3),
			wantInside: map[int][]string{1: {"上下学时段增派警力疏导。"}},
		},
		{
			name:         "ParenthesisedNumbers",
			text:         "征求意见的主要内容\n（1）调整公交线路12条；\n（2）新增社区微循环线路5条；\n（3）优化早晚高峰发车间隔。",
			wantPreamble: "征求意见的主要内容",
			wantLabels:   []string{"（1）", "（2）", "（3）"},
		},
		{
			name:         "ParenthesisedChineseNumerals",
			text:         "关于开展全民健身活动的安排\n（一）时间：2025年8月8日全民健身日。\n（二）地点：市体育中心。\n1.开幕式在东广场举行；\n2.群众赛事在各场馆举行。\n（三）报名：通过各街道办事处报名。",
			wantPreamble: "关于开展全民健身活动的安排",
			wantLabels:   []string{"（一）", "（二）", "（三）"},
			wantInside:   map[int][]string{1: {"1.开幕式", "2.群众赛事"}},
		},
		{
			name:       "NumbersWithDunHao",
			text:       "1、公园开放时间调整为6:00至22:00。\n2、夜间开放区域限于南门广场。\n3、3、4月份为草坪养护期，草坪暂停开放。",
			wantLabels: []string{"1、", "2、", "3、"},
			wantInside: map[int][]string{2: {"3、4月份为草坪养护期"}},
		},
		{
			name:         "BareChapterLineTakesNextLineAsTitle",
			text:         "某市养犬管理规定\n第一章\n总　则\n第一条　为了规范养犬行为，制定本规定。\n第二章\n犬只登记\n第二条　养犬人应当为犬只办理登记。",
			wantPreamble: "某市养犬管理规定",
			wantLabels:   []string{"第一条", "第二条"},
			wantHeadings: []string{"第一章 总则", "第二章 犬只登记"},
		},
		{
			name:         "TextBetweenHeadingAndArticleStaysCommentable",
			text:         "某市养犬管理规定\n第一章 总则\n本章适用于城市建成区。\n第一条 为了规范养犬行为，制定本规定。",
			wantPreamble: "某市养犬管理规定",
			wantLabels:   []string{"", "第一条"},
			wantHeadings: []string{"第一章 总则", "第一章 总则"},
			wantInside:   map[int][]string{0: {"本章适用于城市建成区。"}},
		},
		{
			name:       "ArabicArticleNumbersWithoutSpace",
			text:       "第1条为了规范共享单车停放，制定本办法。\n第2条本办法适用于中心城区。\n第3条运营企业应当及时清理违规停放车辆。",
			wantLabels: []string{"第1条", "第2条", "第3条"},
		},
		{
			name:       "OneSectionMarkerIsNotEnough",
			text:       "一、总体目标\n到2027年，全市公共充电桩达到1万个。\n\n请于5月31日前反馈意见。",
			wantLabels: repeatString("", 2),
		},
		{
			name:       "Empty",
			text:       " \r\n\u3000\ufeff\n",
			wantLabels: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := SplitDraft(tt.text)
			if d.Preamble != tt.wantPreamble {
				t.Errorf("Preamble = %q, want %q", d.Preamble, tt.wantPreamble)
			}
			if got := articleLabels(d.Articles); !reflect.DeepEqual(got, tt.wantLabels) {
				t.Fatalf("labels = %q, want %q", got, tt.wantLabels)
			}
			wantHeadings := tt.wantHeadings
			if wantHeadings == nil {
				wantHeadings = repeatString("", len(tt.wantLabels))
			}
			if got := articleHeadings(d.Articles); !reflect.DeepEqual(got, wantHeadings) {
				t.Errorf("headings = %q, want %q", got, wantHeadings)
			}
			for i, a := range d.Articles {
				if a.Number != i+1 {
					t.Errorf("article %d: Number = %d", i, a.Number)
				}
				if !strings.HasPrefix(a.Text, a.Label) || a.Text != strings.TrimSpace(a.Text) || a.Text == "" {
					t.Errorf("article %d: Text %q does not start with label %q or is untrimmed", i, a.Text, a.Label)
				}
			}
			for i, subs := range tt.wantInside {
				for _, s := range subs {
					if !strings.Contains(d.Articles[i].Text, s) {
						t.Errorf("article %d does not contain %q:\n%s", i, s, d.Articles[i].Text)
					}
				}
			}
			if got := SplitArticles(tt.text); !reflect.DeepEqual(got, d.Articles) {
				t.Errorf("SplitArticles differs from SplitDraft().Articles")
			}
		})
	}
}

// An article's text is the text as written: label, body and sub-items.
func TestSplitDraftArticleText(t *testing.T) {
	arts := SplitArticles(wasteSortingDraft)
	want := "第七条　生活垃圾分类管理责任人按照下列规定确定：\n" +
		"（一）住宅小区实行物业管理的，物业服务企业为管理责任人；\n" +
		"（二）机关、团体、企业事业单位的办公场所，本单位为管理责任人。"
	if arts[6].Text != want {
		t.Errorf("article 7 text = %q, want %q", arts[6].Text, want)
	}
}

// Drafts arrive from Word, WPS and web forms with CRLF, a BOM, full-width
// indentation and stray blank lines; they must split exactly like the clean text.
func TestSplitDraftNormalisesInput(t *testing.T) {
	clean := SplitDraft(wasteSortingDraft)
	tests := []struct {
		name string
		text string
	}{
		{"CRLF", strings.ReplaceAll(wasteSortingDraft, "\n", "\r\n")},
		{"BOM", "\ufeff" + wasteSortingDraft},
		{"OldMacCR", strings.ReplaceAll(wasteSortingDraft, "\n", "\r")},
		{"FullWidthIndent", strings.ReplaceAll(wasteSortingDraft, "\n第", "\n\u3000\u3000第")},
		{"TrailingSpaces", strings.ReplaceAll(wasteSortingDraft, "\n", " \t\n")},
		{"ExtraBlankLines", strings.ReplaceAll(wasteSortingDraft, "\n\n", "\n\n\n\u3000\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitDraft(tt.text); !reflect.DeepEqual(got, clean) {
				t.Errorf("split differs from the clean text:\n got %+v\nwant %+v", got, clean)
			}
		})
	}
}
