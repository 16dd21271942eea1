package main

import (
	"github.com/canyu-gov/canyu/consultation"
)

func demoDecisions() []demoDecision {
	return []demoDecision{
		{
			staff: "jyj@pds.example.gov.cn", stage: consultation.StatusConsulting,
			in: consultation.DecisionInput{Title: "平顶山市义务教育阶段学校课后服务管理办法（征求意见稿）",
				Summary:  "规范全市义务教育阶段学校课后服务的时间、内容、收费和安全管理，减轻家长接送负担。",
				Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
				DecisionBody: "pds-gov", LeadAgency: "pds-jyj", AffectsSpecificGroups: true, CoAgencies: []string{"pds-fgw"}},
			explanation: "为落实国家关于减轻义务教育阶段学生作业负担和校外培训负担的要求，市教育局在调研全市112所学校课后服务开展情况的基础上起草了本办法。主要内容包括服务时间、服务内容、收费标准和安全管理。",
			basis:       []string{"《中华人民共和国教育法》", "《中华人民共和国义务教育法》", "《重大行政决策程序暂行条例》"},
			text: `平顶山市义务教育阶段学校课后服务管理办法（征求意见稿）

第一章 总则
第一条 为规范义务教育阶段学校课后服务，减轻学生课业负担和家长接送负担，根据有关法律法规，结合本市实际，制定本办法。
第二条 本办法适用于本市行政区域内公办和民办义务教育阶段学校开展的课后服务。
第二章 服务内容
第三条 课后服务结束时间原则上不早于当地正常下班时间，具体时间由学校根据实际确定并向家长公布。
第四条 课后服务内容包括作业辅导、体育锻炼、文艺活动、科普活动和社团活动，不得利用课后服务讲授新课。
第五条 学生自愿参加课后服务，学校不得强制或者变相强制学生参加。
第三章 收费与保障
第六条 课后服务实行成本分担，收费标准由市发展改革部门会同教育部门核定，家庭经济困难学生免收费用。
第七条 学校应当建立课后服务安全管理制度，落实学生接送交接和应急处置措施。
第八条 本办法自2027年3月1日起施行。`,
		},
		{
			staff: "wjw@pds.example.gov.cn", stage: consultation.StatusConsulting,
			shortReason: "为赶在2027年1月1日新一轮家庭医生签约周期开始前完成制度衔接，征求意见期缩短为15日。",
			in: consultation.DecisionInput{Title: "平顶山市家庭医生签约服务实施方案（征求意见稿）",
				Summary:  "扩大家庭医生签约覆盖面，明确签约服务包内容、费用分担和考核办法。",
				Category: consultation.CategoryPublicServices, Domain: consultation.DomainHealth,
				DecisionBody: "pds-gov", LeadAgency: "pds-wjw"},
			explanation: "本方案依据国家卫生健康委等部门关于推进家庭医生签约服务高质量发展的指导意见起草，重点解决签约不履约、服务内容不清的问题。",
			basis:       []string{"《中华人民共和国基本医疗卫生与健康促进法》"},
			text: `平顶山市家庭医生签约服务实施方案（征求意见稿）

一、总体目标
到2028年，全市常住人口家庭医生签约服务覆盖率达到45%以上，重点人群签约覆盖率达到75%以上。
二、服务内容
家庭医生团队为签约居民提供基本医疗、公共卫生和健康管理服务，每年至少开展一次健康评估。
三、签约费用
签约服务费由医保基金、基本公共卫生服务经费和签约居民共同分担，居民个人每年支付不超过12元。
四、考核办法
卫生健康部门按季度对家庭医生团队履约情况进行考核，考核结果与绩效工资挂钩。
五、保障措施
各县（市、区）应当保障家庭医生团队人员配备，为偏远乡村配备巡诊车辆。`,
		},
		{
			staff: "scjg@pds.example.gov.cn", stage: consultation.StatusDrafting,
			in: consultation.DecisionInput{Title: "平顶山市校园周边食品经营管理规定（草案）",
				Summary:  "加强中小学校园周边200米范围内食品经营的监督管理。",
				Category: consultation.CategoryMarketRegulation, Domain: consultation.DomainFoodSafety,
				DecisionBody: "pds-gov", LeadAgency: "pds-scjg", MarketRelated: true},
			explanation: "近年来校园周边“三无”食品问题时有发生，本规定拟明确校园周边食品经营者的义务和监管措施。",
			basis:       []string{"《中华人民共和国食品安全法》", "《中华人民共和国食品安全法实施条例》"},
			text: `平顶山市校园周边食品经营管理规定（草案）

第一条 为保障中小学生饮食安全，根据《中华人民共和国食品安全法》等法律法规，制定本规定。
第二条 本规定所称校园周边，是指中小学校、幼儿园校门两侧及对面200米范围内的区域。
第三条 校园周边食品经营者不得销售无标签、超过保质期或者来源不明的食品。
第四条 市场监督管理部门应当对校园周边食品经营者每学期至少开展两次监督检查。
第五条 本规定自发布之日起施行。`,
		},
		{
			staff: "slj@pds.example.gov.cn", stage: consultation.StatusHandling,
			in: consultation.DecisionInput{Title: "平顶山市地下水资源保护与开采管理办法（征求意见稿）",
				Summary:  "划定地下水禁采区和限采区，规范取水许可和计量监测。",
				Category: consultation.CategoryNaturalResources, Domain: consultation.DomainResources,
				DecisionBody: "pds-gov", LeadAgency: "pds-slj", Technical: true},
			explanation: "我市部分区域地下水超采，形成漏斗区。本办法拟划定禁采区和限采区，并对取水计量提出要求。",
			basis:       []string{"《中华人民共和国水法》", "《地下水管理条例》"},
			text: `平顶山市地下水资源保护与开采管理办法（征求意见稿）

第一条 为保护地下水资源，防止超采，根据《中华人民共和国水法》《地下水管理条例》，制定本办法。
第二条 市水行政主管部门会同自然资源等部门划定地下水禁采区和限采区，报市人民政府批准后公布。
第三条 在禁采区内，除应急供水外，不得新增地下水取水工程。
第四条 取用地下水的单位应当安装符合国家标准的取水计量设施，并按月报送取水量。
第五条 本办法自2027年1月1日起施行。`,
		},
		{
			staff: "sthj@pds.example.gov.cn", stage: consultation.StatusConsulting,
			in: consultation.DecisionInput{Title: "平顶山市中心城区餐饮油烟污染防治办法（征求意见稿）",
				Summary:  "规范中心城区餐饮服务单位油烟净化设施的安装、运行和维护，回应居民投诉集中的油烟扰民问题。",
				Category: consultation.CategoryEnvironment, Domain: consultation.DomainEnvironment,
				DecisionBody: "pds-gov", LeadAgency: "pds-sthj", AffectsSpecificGroups: true},
			explanation: "2025年全市12345热线受理油烟扰民投诉3000余件，本办法针对居民楼下餐饮油烟、停车难导致的占道经营等问题作出规定。",
			basis:       []string{"《中华人民共和国大气污染防治法》"},
			text: `平顶山市中心城区餐饮油烟污染防治办法（征求意见稿）

第一条 为防治餐饮油烟污染，改善人居环境，根据《中华人民共和国大气污染防治法》，制定本办法。
第二条 禁止在居民住宅楼、未配套设立专用烟道的商住综合楼新建、改建、扩建产生油烟的餐饮服务项目。
第三条 餐饮服务单位应当安装油烟净化设施并保持正常使用，每季度至少清洗一次，保存清洗记录。
第四条 餐饮服务单位不得占用人行道、停车泊位从事露天烧烤。
第五条 生态环境部门和城市管理部门应当建立油烟投诉快速处置机制，自接到投诉之日起3个工作日内处理。
第六条 本办法自2027年5月1日起施行。`,
		},
		{
			staff: "fgw@pds.example.gov.cn", stage: consultation.StatusDrafting,
			in: consultation.DecisionInput{Title: "平顶山市城市公共汽车票价调整方案（草案）",
				Summary:  "调整城市公共汽车基础票价，完善老年人、学生等群体优惠政策。",
				Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
				DecisionBody: "pds-gov", LeadAgency: "pds-fgw", CoAgencies: []string{"pds-jtj"},
				StabilityRisk: true, AffectsSpecificGroups: true, MarketRelated: true},
			explanation: "我市公交票价自2012年以来未作调整，运营成本上升导致财政补贴压力加大。本方案拟在召开价格听证会后实施。",
			basis:       []string{"《中华人民共和国价格法》", "《政府制定价格听证办法》"},
			text: `平顶山市城市公共汽车票价调整方案（草案）

一、调整范围：市区内运营的城市公共汽车线路。
二、基础票价：普通车由每人次1元调整为1.5元，空调车由每人次1.5元调整为2元。
三、优惠政策：65周岁以上老年人、残疾人免费乘车；中小学生刷卡乘车享受五折优惠；使用交通卡乘车90分钟内换乘免费。
四、实施时间：方案经市人民政府批准后，自公布之日起30日后实施。`,
		},
	}
}
