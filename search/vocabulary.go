package search

import "strings"

// domainVocabulary is the government-domain and livelihood vocabulary the
// query segmenter knows (with the words of the near-synonym table): the
// words drafts and residents use for the things decisions regulate. A
// query is cut into these words by forward maximum matching; what no word
// covers stays as it is and is matched by its bigrams, so an unknown word
// loses nothing against plain bigrams.
var domainVocabulary = strings.Fields(`
征求意见 征求意见稿 起草说明 草案 修订草案 实施办法 管理办法 实施细则 条例 规定 办法 方案 决定 通知 意见
行政区域 人民政府 主管部门 街道办事处 居民委员会 村民委员会 业主委员会 业主大会 物业服务企业 物业管理 物业费 物业
公共收益 共有部分 专项维修资金 公共服务 基本公共服务 公共利益 合法权益 法律责任 罚款 罚则 处罚 责令改正 投诉 举报 热线
养老 养老服务 养老机构 养老院 居家养老 社区养老 高龄津贴 津贴 补贴 补助 资助 减免 救助 低保 低保户 特困人员 困难群众 残疾人 无障碍 盲道 轮椅
老年人 老人 长者 儿童 孩子 小孩 学生 家长 幼儿 幼儿园 学前教育 普惠性 保育教育费 保教费 托育 托管 课后服务 校外培训 培训机构 补习班 辅导班
义务教育 招生 入学 就近入学 学区 学区房 随迁子女 小学 初中 学校 校车 食堂 学校食堂 教育 教师 学费
医疗 医疗保险 医保 报销 门诊 住院 看病 就医 家庭医生 社区医院 卫生服务中心 急救 救护车 医院 药品 慢性病 异地就医 结算 起付线 挂号
食品安全 餐饮 外卖 网络订餐 地沟油 废弃油脂 临期食品 保质期 过期 农贸市场 菜市场 公平秤 农药残留 明厨亮灶
垃圾分类 生活垃圾 厨余垃圾 有害垃圾 可回收物 其他垃圾 湿垃圾 干垃圾 垃圾桶 定时定点 投放
环境 污染 大气污染 空气污染 雾霾 扬尘 油烟 烧烤 噪声 噪音 扰民 施工 工地 夜间施工 渣土车 秸秆 焚烧 尾气 排放 重污染天气 预警 限行 单双号
水资源 节约用水 节水 地下水 水源 饮用水 水价 水费 阶梯水价 供水 供热 供暖 暖气 采暖 取暖费 燃气 天然气 煤气 燃气管道 报警器
公共交通 公交 公交车 公共汽车 地铁 轨道交通 票价 车费 换乘 优惠 免费乘车 老年卡 出租车 网约车 打车 共享单车 单车 自行车 电动自行车 电动车 电瓶车 头盔 充电 充电桩 号牌 上牌
停车 停车位 车位 停车场 停车难 停车收费 停车费 消防通道 消防车通道 消防 灭火器 消火栓 高层建筑 高层住宅
住房 租房 租赁 住房租赁 承租人 出租人 房东 中介 押金 租金 公租房 公共租赁住房 保障性住房 廉租房 老旧小区 小区 电梯 加装电梯 加梯
流动摊贩 摊贩 摆摊 地摊 夜市 疏导点 市容 城市管理 城管
养犬 犬只 狗 遛狗 犬链 狂犬病 烈性犬
控烟 吸烟 二手烟 电子烟 禁止吸烟
殡葬 殡仪馆 火化 墓地 公墓 骨灰 海葬 树葬 丧事
就业 创业 创业补贴 失业 职业培训 社会保险 社保 高校毕业生 返乡创业 贷款 贴息
绿化 公园 口袋公园 古树名木 树木 砍伐
历史文化街区 历史建筑 文物 修缮 风貌
防汛 排涝 内涝 积水 暴雨 排水 地下车库
听证 听证会 价格听证 成本监审 价格 涨价 提价 上调 收费 收费标准 收费项目
`)

// fillerWords are question and filler words dropped from a long query
// (a sentence a resident types: 晚上工地施工吵得睡不着该找谁投诉): the
// words that carry no topic. Longest first when matched.
var fillerWords = strings.Fields(`
能不能 可不可以 可以不可以 是不是 有没有 会不会 要不要 该不该 行不行 怎么办 怎么样 怎么 咋办 咋 为什么 为啥 什么 如何
请问 请教 一下 应该 该找谁 找谁 归哪个部门管 哪个部门 哪个 哪里 哪儿 谁管 谁来管 有人管吗 没人管
我家 我们家 我们 我想 我要 自己 他们 你们 大家 现在 总是 老是 一直 经常 每次 每个月 多少钱 多少 能领 可以 需要 还是
吗 呢 吧 啊 呀 嘛 了 的
`)

// minLongQueryRunes is the length from which a query is a sentence whose
// filler words are dropped.
const minLongQueryRunes = 7
